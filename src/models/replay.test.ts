import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { mlgymThoughtActionParser } from "../agent/parser.js";
import { ConfigError } from "../errors.js";
import { createModel } from "./registry.js";
import { REPLAY_EXHAUSTED, ReplayModel } from "./replay.js";

describe("ReplayModel", () => {
  it("answers the recorded outputs in order, then submits on every further call", async () => {
    const model = new ReplayModel(["first", "second"], "run-1");
    assert.equal(model.id, "replay:run-1");
    assert.equal(model.remaining, 2);
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await model.query([])).content);
    assert.deepEqual(answers, ["first", "second", REPLAY_EXHAUSTED, REPLAY_EXHAUSTED]);
    assert.equal(model.remaining, 0);
    assert.equal(mlgymThoughtActionParser(REPLAY_EXHAUSTED).action, "submit\n");
  });

  it("costs nothing", async () => {
    const answer = await new ReplayModel(["x"]).query([]);
    assert.equal(answer.costUsd, 0);
    assert.deepEqual(answer.usage, { inputTokens: 0, outputTokens: 0 });
  });

  it("is the replay backend: --model replay:<file.traj>, without demonstrations and exit pseudo-steps", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-replay-model-"));
    const file = join(dir, "tinyPython.traj");
    writeFileSync(
      file,
      JSON.stringify({
        trajectory: [{ action: "ls\n", response: "```\nls\n```" }],
        history: [
          { role: "system", content: "s", agent: "primary_0" },
          { role: "assistant", content: "demo", is_demo: true },
          { role: "assistant", content: "```\nls\n```", action: "ls\n", agent: "primary_0" },
          { role: "assistant", content: "Exit due to time limit", action: "exit_time", agent: "primary_0" },
        ],
      }),
    );
    const model = createModel(`replay:${file}`);
    assert.equal(model.id, "replay:tinyPython");
    assert.equal((await model.query([])).content, "```\nls\n```");
    assert.equal((await model.query([])).content, REPLAY_EXHAUSTED);
  });

  it("a missing or broken file is a ConfigError naming it", () => {
    assert.throws(() => createModel("replay:/nowhere/x.traj"), ConfigError);
    assert.throws(() => createModel("replay:/nowhere/x.traj"), /\/nowhere\/x\.traj: cannot read file/);
  });
});
