import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../errors.js";
import { assistantResponses, isExitAction, readResults, readTrajectory } from "./read.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const SHARED = join(ROOT, "..", "shared", "reference", "mlgym-trajectories");
const dir = mkdtempSync(join(tmpdir(), "mlgym-read-"));

function write(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

/** What each shared trajectory of the original holds (counted from the files, checked against results.json). */
const SHARED_EXPECTED: Record<string, { steps: number; exitStatus: string; lastAction: string }> = {
  "3SATTime": { steps: 43, exitStatus: "submitted", lastAction: "submit\n" },
  battleOfSexes: { steps: 17, exitStatus: "submitted", lastAction: "submit\n" },
  // The original's agent loop crashed on a timed-out validate: the status stayed "".
  blotto: { steps: 45, exitStatus: "", lastAction: "validate\n" },
  imageClassificationFMnist: { steps: 18, exitStatus: "submitted", lastAction: "submit\n" },
  prisonersDilemma: { steps: 51, exitStatus: "autosubmission (max_steps)", lastAction: "submit\n" },
  regressionKaggleHousePrice: { steps: 50, exitStatus: "submitted", lastAction: "submit\n" },
};

const runs = existsSync(SHARED) ? readdirSync(SHARED).sort() : [];

describe("reading the original's shared trajectories", {
  skip: runs.length === 0 && `no shared trajectories at ${SHARED}`,
}, () => {
  it("covers all six", () => {
    assert.deepEqual(runs.map((r) => r.split("__")[1]).sort(), Object.keys(SHARED_EXPECTED).sort());
  });
  for (const run of runs) {
    const taskId = run.split("__")[1]!;
    it(taskId, () => {
      const traj = readTrajectory(join(SHARED, run, `${taskId}.traj`));
      const results = readResults(join(SHARED, run, "results.json"));
      const expected = SHARED_EXPECTED[taskId]!;
      assert.equal(traj.environment, "mlgym_main");
      assert.equal(traj.trajectory.length, expected.steps);
      assert.equal(traj.info.exit_status, expected.exitStatus);
      assert.equal(traj.trajectory.at(-1)?.action, expected.lastAction);
      // results.json's `agent` is the info's score list: every successful validate, then the final evaluation.
      assert.deepEqual(traj.info.score, results.agent);
      assert.ok(results.agent.length > 0);
      assert.ok(results.baseline && Object.keys(results.baseline).length > 0);
      assert.ok(traj.trajectory.every((s) => typeof s.execution_time === "number"));
      // One system message, then a user and an assistant message per step; every step came from a model answer.
      assert.equal(traj.history.length, 1 + 2 * expected.steps);
      const responses = assistantResponses(traj);
      assert.deepEqual(
        responses,
        traj.trajectory.map((s) => s.response),
      );
      if (expected.exitStatus === "submitted") assert.equal(traj.trajectory.at(-1)?.observation, "");
    });
  }
});

describe("readTrajectory tolerates the original's quirks", () => {
  it("older steps without execution_time, missing info keys, null fields, no agent key, NaN scores", () => {
    const file = write("old.traj", {
      trajectory: [
        { action: "ls\n", observation: "a.py", response: "```\nls\n```", thought: "", state: "{}" },
        { action: "submit\n", observation: null, response: "```\nsubmit\n```" },
      ],
      history: [
        { role: "system", content: "sys" },
        { role: "assistant", content: "```\nls\n```", action: "ls\n" },
      ],
    });
    const traj = readTrajectory(file);
    assert.equal(traj.trajectory[0]?.execution_time, undefined);
    assert.equal(traj.trajectory[1]?.observation, "");
    assert.equal(traj.trajectory[1]?.thought, "");
    assert.equal(traj.info.exit_status, "");
    assert.equal(traj.info.submission, null);
    assert.deepEqual(traj.info.score, []);
    assert.equal(traj.info.model_stats.api_calls, 0);
    assert.equal(traj.environment, "");

    const nan = readTrajectory(
      write(
        "nan.traj",
        '{"trajectory": [{"action": "validate\\n"}], "info": {"exit_status": null, "score": [{"rmse": NaN, "r2": -Infinity}]}}',
      ),
    );
    assert.equal(nan.info.exit_status, "");
    assert.ok(Number.isNaN(nan.info.score[0]?.rmse));
    assert.equal(nan.info.score[0]?.r2, Number.NEGATIVE_INFINITY);
  });

  it("reads the YAML variant whose document is the history", () => {
    const file = write(
      "run.yaml",
      [
        "- role: system",
        "  content: You are an agent.",
        "- role: user",
        "  content: Solve it.",
        "- role: assistant",
        "  content: |-",
        "    DISCUSSION",
        "    ```",
        "    ls",
        "    ```",
        "  action: ls",
        "",
      ].join("\n"),
    );
    const traj = readTrajectory(file);
    assert.equal(traj.trajectory.length, 0);
    assert.equal(traj.history.length, 3);
    assert.deepEqual(assistantResponses(traj), ["DISCUSSION\n```\nls\n```"]);
  });

  it("assistantResponses skips demonstrations and exit pseudo-steps, and falls back to the steps", () => {
    const traj = readTrajectory(
      write("mixed.traj", {
        trajectory: [
          { action: "ls\n", response: "r1" },
          { action: "exit_cost", response: "Exit due to cost limit", observation: "Exited (exit_cost)" },
        ],
        history: [
          { role: "system", content: "s", agent: "primary_0" },
          { role: "assistant", content: "demo answer", action: "ls\n", is_demo: true },
          { role: "user", content: "u" },
          { role: "assistant", content: "r1", action: "ls\n", agent: "primary_0" },
          { role: "assistant", content: "Exit due to cost limit", action: "exit_cost" },
          { role: "assistant", content: "Skipped", action: "skip" },
        ],
      }),
    );
    assert.deepEqual(assistantResponses(traj), ["r1"]);
    assert.deepEqual(assistantResponses({ ...traj, history: [] }), ["r1"]);
    assert.ok(isExitAction("exit_format") && isExitAction(" skip\n") && !isExitAction("exit 0"));
    assert.ok(!isExitAction("submit") && !isExitAction(undefined));
  });
});

describe("broken files are ConfigErrors naming the file and the field", () => {
  const cases: Array<{ name: string; file: string; content: unknown; read?: "results"; match: RegExp }> = [
    { name: "bad JSON", file: "bad.traj", content: '{"trajectory": [', match: /bad\.traj: invalid JSON/ },
    { name: "bad YAML", file: "bad.yaml", content: "- role: [", match: /bad\.yaml: invalid YAML/ },
    { name: "a list at the top", file: "list.traj", content: [], match: /list\.traj: \(top level\)/ },
    { name: "no steps and no history", file: "empty.traj", content: {}, match: /neither a 'trajectory'/ },
    {
      name: "trajectory is not a list",
      file: "shape.traj",
      content: { trajectory: "ls" },
      match: /shape\.traj: trajectory: expected array/,
    },
    {
      name: "a step without an action",
      file: "step.traj",
      content: { trajectory: [{ observation: "x" }] },
      match: /step\.traj: trajectory\.0\.action: required field is missing/,
    },
    {
      name: "an unknown role",
      file: "role.traj",
      content: { history: [{ role: "robot", content: "hi" }] },
      match: /role\.traj: history\.0\.role: got an invalid value; allowed: "system", "user", "assistant"/,
    },
    {
      name: "a score that is not a number",
      file: "score.traj",
      content: { trajectory: [{ action: "ls" }], info: { score: [{ Score: "high" }] } },
      match: /score\.traj: info\.score\.0\.Score: expected number/,
    },
    {
      name: "results agent is not a list",
      file: "results.json",
      content: { agent: { Score: 1 } },
      read: "results",
      match: /results\.json: agent: expected array/,
    },
    {
      name: "a missing file",
      file: "nowhere/missing.traj",
      content: undefined,
      match: /missing\.traj: cannot read file \(ENOENT\)/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const file = c.content === undefined ? join(dir, c.file) : write(c.file, c.content);
      const read = c.read === "results" ? readResults : readTrajectory;
      assert.throws(
        () => read(file),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, String(error));
          assert.equal(error.file, file);
          assert.match(error.message, c.match);
          return true;
        },
      );
    });
  }

  it("results.json with only the agent list has no baseline", () => {
    const results = readResults(write("only-agent.json", { agent: [{ Score: 1.5 }] }));
    assert.deepEqual(results, { agent: [{ Score: 1.5 }] });
    assert.deepEqual(readResults(write("empty-results.json", {})), { agent: [] });
  });
});
