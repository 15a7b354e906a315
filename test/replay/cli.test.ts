import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, it } from "node:test";
import { readResults, readTrajectory } from "../../src/trajectory/read.js";
import { mlgym } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "mlgym-replay-cli-"));
const fenced = (cmd: string) => `DISCUSSION\nnext step\n\`\`\`\n${cmd}\n\`\`\``;

/** The final JSON line `mlgym run` and `mlgym replay` print. */
interface Outcome {
  exitStatus: string;
  score: Record<string, number> | null;
  trajectory: string;
  results: string;
}

function lastLine(stdout: string): Outcome {
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Outcome;
}

/** `mlgym run --model scripted:<file>` on tinyPython; returns its outcome. */
function scriptedRun(name: string, responses: string[], extra: string[] = []): Outcome {
  const script = join(dir, `${name}.json`);
  writeFileSync(script, JSON.stringify(responses));
  const r = mlgym([
    "run",
    "--model",
    `scripted:${script}`,
    "--tasks-dir",
    FIXTURE_TASKS,
    "--task",
    "tinyPython",
    "--output",
    join(dir, "runs"),
    "--quiet",
    "--json",
    ...extra,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return lastLine(r.stdout);
}

function replay(file: string, extra: string[] = []) {
  return mlgym([
    "replay",
    file,
    "--tasks-dir",
    FIXTURE_TASKS,
    "--output",
    join(dir, "replays"),
    "--quiet",
    "--json",
    ...extra,
  ]);
}

describe("mlgym replay", { concurrency: 2 }, () => {
  it("re-executes a scripted run's actions: same exit status, scores and actions", () => {
    const original = scriptedRun("improve", [
      fenced("open strategy.py"),
      fenced('edit 1:3\ndef guess():\n    """Returns the guess."""\n    return 6\nend_of_edit'),
      fenced("validate"),
      fenced("submit"),
    ]);
    assert.equal(original.exitStatus, "submitted");
    assert.deepEqual(original.score, { Score: 9 });

    const r = replay(original.trajectory);
    assert.equal(r.code, 0, r.stderr);
    const replayed = lastLine(r.stdout);
    assert.equal(replayed.exitStatus, original.exitStatus);
    assert.deepEqual(replayed.score, original.score);
    assert.deepEqual(readResults(replayed.results), readResults(original.results));
    const actions = (file: string) => readTrajectory(file).trajectory.map((s) => s.action);
    assert.deepEqual(actions(replayed.trajectory), actions(original.trajectory));

    const runFolder = basename(dirname(original.trajectory));
    assert.equal(basename(dirname(replayed.trajectory)).split("__")[0], `replay-${runFolder.split("__")[0]}`);
    const args = JSON.parse(readFileSync(join(dirname(replayed.trajectory), "args.json"), "utf8"));
    assert.equal(args.model, `replay:${runFolder}`);
    assert.equal(args.recordedResponses, 4);
  });

  it("reproduces an episode cut by the step limit, and submits once the recorded answers run out", () => {
    const original = scriptedRun(
      "limit",
      [fenced("ls"), fenced("pwd"), fenced("validate"), fenced("ls -a")],
      ["--max-steps", "3"],
    );
    assert.equal(original.exitStatus, "autosubmission (max_steps)");
    const replayed = lastLine(replay(original.trajectory, ["--max-steps", "3"]).stdout);
    assert.equal(replayed.exitStatus, "autosubmission (max_steps)");
    assert.deepEqual(readResults(replayed.results), readResults(original.results));

    // Three steps allowed, three answers asked for: the fourth scripted answer was never requested, so with more
    // steps allowed the replay runs out of recorded answers after three and submits, as the original's ReplayModel.
    assert.equal(readTrajectory(original.trajectory).trajectory.length, 3);
    const longer = lastLine(replay(original.trajectory, ["--max-steps", "10"]).stdout);
    assert.equal(longer.exitStatus, "submitted");
    assert.deepEqual(
      readTrajectory(longer.trajectory).trajectory.map((s) => s.action),
      ["ls\n", "pwd\n", "validate\n", "submit\n"],
    );
  });

  it("takes the task from the run folder name when the file name does not tell it", () => {
    const folder = join(dir, "gpt-x__tinyPython__default__t-0.00__p-0.95__c-0.00__install-0_run_0");
    mkdirSync(folder, { recursive: true });
    const file = join(folder, "episode.traj");
    writeFileSync(
      file,
      JSON.stringify({ trajectory: [{ action: "submit\n", response: fenced("submit") }], info: {} }),
    );
    const r = replay(file);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastLine(r.stdout).exitStatus, "submitted");
    assert.match(lastLine(r.stdout).trajectory, /tinyPython\.traj$/);
  });

  it("an unknown or unguessable task is a ConfigError (exit code 2) listing the tasks", () => {
    const file = join(dir, "somewhere", "episode.traj");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ trajectory: [{ action: "ls\n", response: fenced("ls") }] }));
    const unknown = replay(file, ["--task", "noSuchTask"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /ConfigError: --task: unknown task 'noSuchTask'; available: .*tinyPython/);

    const unguessable = replay(file);
    assert.equal(unguessable.code, 2);
    assert.match(unguessable.stderr, /episode\.traj: --task: cannot tell the task .*pass --task <id>/);
    assert.match(unguessable.stderr, /available: .*battleOfSexes.*tinyPython/);
  });

  it("a broken trajectory is a ConfigError naming the file and field", () => {
    const file = join(dir, "tinyPython.traj");
    writeFileSync(file, JSON.stringify({ trajectory: [{ observation: "no action" }] }));
    const r = replay(file);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /tinyPython\.traj: trajectory\.0\.action: required field is missing/);
  });
});
