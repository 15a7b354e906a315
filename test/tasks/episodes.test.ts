import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runAgent } from "../../src/agent/agent.js";
import { loadAgentConfig } from "../../src/agent/config.js";
import { make } from "../../src/env/make.js";
import { ScriptedModel } from "../../src/models/scripted.js";
import { CPU_TASKS } from "./catalogue.js";

// One scripted episode per task: the agent inspects the workspace, produces a submission the cheap way and
// submits; the episode must end `submitted` with a score of the task's priority metric.

const say = (command: string) => `DISCUSSION\nNext I run this.\n\`\`\`\n${command}\n\`\`\``;

const SCRIPTS: Record<string, string[]> = {
  battleOfSexes: [say("ls"), say("validate"), say("submit")],
  prisonersDilemma: [say("ls"), say("validate"), say("submit")],
  blotto: [say("ls"), say("validate"), say("submit")],
  "3SATTime": [say("ls data"), say("submit")],
  regressionKaggleHousePrice: [say("python baseline.py"), say("validate"), say("submit")],
  titanicSurvival: [say("python baseline.py"), say("submit")],
  // Training takes minutes on a CPU: the episode submits the sample's format instead.
  imageClassificationFMnist: [say("cp sample_submission.csv submission.csv"), say("submit")],
};

const fmnistOffline =
  existsSync("/usr/share/datasets/fashion-mnist") || Boolean(process.env.MLGYM_FASHION_MNIST_DIR);

for (const { id, metric } of CPU_TASKS) {
  const skip = id === "imageClassificationFMnist" && !fmnistOffline ? "no offline Fashion-MNIST" : false;
  test(`a scripted episode on ${id} ends submitted with a score`, { skip, timeout: 600_000 }, async () => {
    const env = make(id, { maxSteps: 10 });
    const outputDir = mkdtempSync(join(tmpdir(), `mlgym-episode-${id}-`));
    try {
      const result = await runAgent({
        env,
        model: new ScriptedModel(SCRIPTS[id]!, id),
        config: loadAgentConfig(),
        outputDir,
      });
      assert.equal(result.exitStatus, "submitted");
      const score = result.scores.at(-1) as Record<string, number> | undefined;
      assert.equal(typeof score?.[metric], "number", JSON.stringify(result.scores));
      const traj = JSON.parse(readFileSync(result.trajectoryFile, "utf8")) as { trajectory: unknown[] };
      assert.equal(traj.trajectory.length, SCRIPTS[id]!.length);
    } finally {
      await env.close();
      rmSync(outputDir, { recursive: true, force: true });
    }
  });
}
