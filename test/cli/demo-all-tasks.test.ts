import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { mlgymAsync } from "../helpers/cli.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const BUILT_IN = readdirSync(join(ROOT, "tasks"), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, "tasks", entry.name, "task.yaml")))
  .map((entry) => entry.name)
  .sort();

/** The environment of a new user: no API key, so `mlgym run` falls back to the scripted demonstration. */
function withoutKeys(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "OPENAI_BASE_URL"])
    delete env[key];
  return env;
}

describe("the demonstration agent plays every built-in task", () => {
  it("has a demonstration for each task", () => {
    assert.ok(BUILT_IN.length >= 7, BUILT_IN.join(", "));
    const missing = BUILT_IN.filter((task) => !existsSync(join(ROOT, "agents", "demo", `${task}.yaml`)));
    assert.deepEqual(missing, []);
  });

  for (const task of BUILT_IN) {
    it(`mlgym run --task ${task} (no --model, no key) submits and gets a real score`, async () => {
      const output = await mkdtemp(join(tmpdir(), `mlgym-demo-${task}-`));
      const r = await mlgymAsync(["run", "--task", task, "--output", output, "--quiet"], {
        env: withoutKeys(),
      });
      assert.match(r.stderr, /scripted demonstration agent/);
      assert.equal(r.code, 0, r.stderr);
      const [runDir] = readdirSync(output);
      assert.ok(runDir, "a run folder was written");
      const traj = JSON.parse(readFileSync(join(output, runDir, `${task}.traj`), "utf8")) as {
        info: { exit_status: string; score?: Record<string, number>[] };
      };
      assert.equal(traj.info.exit_status, "submitted", r.stderr);
      const config = parse(readFileSync(join(ROOT, "tasks", task, "task.yaml"), "utf8")) as {
        priority_metric: string;
      };
      const results = JSON.parse(readFileSync(join(output, runDir, "results.json"), "utf8")) as {
        agent: Record<string, number>[];
      };
      const final = results.agent.at(-1);
      assert.ok(final, "results.json holds the agent's scores");
      const score = final[config.priority_metric];
      assert.equal(typeof score, "number", JSON.stringify(final));
      assert.ok(Number.isFinite(score), `${config.priority_metric} = ${score}`);
      await rm(output, { recursive: true, force: true });
    });
  }
});
