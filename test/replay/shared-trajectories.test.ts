import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runAgent } from "../../src/agent/agent.js";
import { loadAgentConfig } from "../../src/agent/config.js";
import { make } from "../../src/env/make.js";
import { ReplayModel } from "../../src/models/replay.js";
import { readTrajectory } from "../../src/trajectory/read.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const SHARED = join(ROOT, "..", "shared", "reference", "mlgym-trajectories");
const runs = existsSync(SHARED) ? readdirSync(SHARED).sort() : [];

/** Every way an episode of the original can end once the agent loop did not crash (reference 5.7). */
const CLEAR_EXIT =
  /^(submitted|(autosubmission|submission_not_found|evaluation_format_error) \((submit|max_steps|exit_\w+)\))$/;

// Each replay re-runs real work (simulations, a SAT solver, model training): these caps keep the whole file to a
// few minutes on two cores. A command cut short by a timeout, or an episode cut short by the time limit, is still
// a clear outcome (the timed-out observation, `autosubmission (exit_time)`).
const LIMITS = { maxSteps: 50, shortTimeoutS: 15, longTimeoutS: 20, timeLimitS: 40 };

describe("replaying each shared trajectory of the original", {
  concurrency: 2,
  skip: runs.length === 0 && `no shared trajectories at ${SHARED}`,
}, () => {
  for (const run of runs) {
    const file = readdirSync(join(SHARED, run)).find((f) => f.endsWith(".traj"));
    if (!file) continue;
    const taskId = file.replace(/\.traj$/, "");
    it(`${taskId}: re-executes its actions and ends with a clear exit status`, async (t) => {
      const path = join(SHARED, run, file);
      const model = ReplayModel.fromFile(path, run);
      const env = make(taskId, {
        maxSteps: LIMITS.maxSteps,
        shortTimeoutS: LIMITS.shortTimeoutS,
        longTimeoutS: LIMITS.longTimeoutS,
      });
      const outputDir = mkdtempSync(join(tmpdir(), "mlgym-replay-"));
      const started = Date.now();
      try {
        const result = await runAgent({
          env,
          model,
          config: loadAgentConfig(),
          outputDir,
          limits: { timeLimitS: LIMITS.timeLimitS },
        });
        const replayed = readTrajectory(result.trajectoryFile);
        const recorded = readTrajectory(path);
        t.diagnostic(
          `${result.exitStatus}: ${replayed.trajectory.length} of ${recorded.trajectory.length} recorded steps in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        assert.match(result.exitStatus, CLEAR_EXIT);
        assert.ok(replayed.trajectory.length > 0);
        // The replayed actions are the recorded ones, in order, for as long as the replay ran.
        const n = Math.min(replayed.trajectory.length, recorded.trajectory.length) - 1;
        assert.deepEqual(
          replayed.trajectory.slice(0, n).map((s) => s.action),
          recorded.trajectory.slice(0, n).map((s) => s.action),
        );
      } finally {
        await env.close();
        rmSync(outputDir, { recursive: true, force: true });
      }
    });
  }
});
