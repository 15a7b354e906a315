import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type CheckName, checkTask, codeError, type TaskCheckReport } from "../../src/run/tasks-check.js";
import { mlgym } from "../helpers/cli.js";
import { CPU_TASKS, taskYaml } from "./catalogue.js";

const FIXTURES = join(fileURLToPath(new URL(".", import.meta.url)), "fixtures");
const fmnistOffline =
  existsSync("/usr/share/datasets/fashion-mnist") || Boolean(process.env.MLGYM_FASHION_MNIST_DIR);

const statusOf = (report: TaskCheckReport, check: CheckName) => report.results.find((r) => r.check === check);

/** Checks that do not apply to a task (no hidden files, no sample submission). */
function expectedSkips(id: string): CheckName[] {
  const skips: CheckName[] = [];
  if (["battleOfSexes", "prisonersDilemma", "blotto", "3SATTime"].includes(id)) skips.push("hidden");
  if (!["titanicSurvival", "imageClassificationFMnist"].includes(id)) skips.push("sample");
  return skips;
}

describe("mlgym tasks check on the seven CPU tasks", () => {
  for (const { id, metric } of CPU_TASKS) {
    const skip = id === "imageClassificationFMnist" && !fmnistOffline ? "no offline Fashion-MNIST" : false;
    test(id, { skip, timeout: 900_000 }, async () => {
      const report = await checkTask(taskYaml(id));
      const failed = report.results.filter((r) => r.status === "fail");
      assert.deepEqual(failed, [], JSON.stringify(failed, null, 2));
      const skipped = report.results.filter((r) => r.status === "skip").map((r) => r.check);
      assert.deepEqual(skipped, expectedSkips(id));
      assert.equal(report.results.length, 7);
      assert.match(statusOf(report, "baseline")!.detail, new RegExp(`^${metric} `));
      assert.match(statusOf(report, "malformed")!.detail, /Evaluation failed: /);
    });
  }
});

test("a task with leaked answers, an unreproducible baseline, a drifting and an indiscriminate evaluation fails", async () => {
  const report = await checkTask(join(FIXTURES, "leakyTask", "task.yaml"), { tasksDirs: [FIXTURES] });
  const status = Object.fromEntries(report.results.map((r) => [r.check, r.status]));
  assert.deepEqual(status, {
    config: "ok",
    hidden: "fail",
    baseline: "fail",
    repeatable: "fail",
    sample: "skip",
    malformed: "fail",
    "eval-files": "ok",
  });
  assert.match(
    statusOf(report, "hidden")!.detail,
    /the workspace holds a copy of data\/answer\.csv: .*answer_copy\.csv/,
  );
  assert.match(
    statusOf(report, "baseline")!.detail,
    /^accuracy [\d.e+-]+ \(recorded 0\.9 ± 0\.01; seed \d+\)/,
  );
  assert.match(statusOf(report, "repeatable")!.detail, /accuracy [\d.e+-]+ vs [\d.e+-]+/);
  assert.match(statusOf(report, "malformed")!.detail, /the malformed submission was scored/);
});

test("an evaluation broken for every input does not pass the malformed check", async () => {
  const report = await checkTask(join(FIXTURES, "brokenEval", "task.yaml"));
  assert.equal(statusOf(report, "baseline")!.status, "fail");
  assert.match(statusOf(report, "baseline")!.detail, /NameError: name 'acuracy' is not defined/);
  assert.equal(statusOf(report, "malformed")!.status, "fail");
  assert.match(
    statusOf(report, "malformed")!.detail,
    /the baseline submission did not score, so a failure of the malformed one cannot be told from a broken evaluation/,
  );
});

test("an evaluation that crashes on a malformed submission, instead of rejecting it, fails the malformed check", async () => {
  const report = await checkTask(join(FIXTURES, "crashingRejection", "task.yaml"));
  assert.equal(statusOf(report, "baseline")!.status, "ok", statusOf(report, "baseline")!.detail);
  assert.equal(statusOf(report, "malformed")!.status, "fail");
  assert.match(
    statusOf(report, "malformed")!.detail,
    /the evaluation crashed instead of rejecting the submission with a message: NameError: name 'fial' is not defined/,
  );
});

test("code errors are told apart from an evaluation's verdict", () => {
  assert.equal(
    codeError("Evaluation failed: could not import row_strategy from strategy.py: NameError: x"),
    undefined,
  );
  assert.equal(
    codeError('Traceback (most recent call last):\n  File "evaluate.py"\nValueError: bad rows'),
    undefined,
  );
  assert.equal(
    codeError("Traceback (most recent call last):\nModuleNotFoundError: No module named 'pandass'"),
    "ModuleNotFoundError: No module named 'pandass'",
  );
  assert.equal(
    codeError('  File "evaluate.py", line 3\nSyntaxError: invalid syntax'),
    "SyntaxError: invalid syntax",
  );
});

test("the CLI prints a table and exits non-zero on a failure", () => {
  const bad = mlgym(["tasks", "check", "leakyTask", "--tasks-dir", FIXTURES], { timeoutMs: 300_000 });
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(
    bad.stdout,
    /^task +config +hidden +baseline +repeatable +sample +malformed +eval-files +seconds$/m,
  );
  assert.match(bad.stdout, /^leakyTask +ok +FAIL +FAIL +FAIL +- +FAIL +ok +\d+$/m);
  assert.match(bad.stdout, /^leakyTask hidden: /m);

  const good = mlgym(["tasks", "check", "battleOfSexes", "--json"], { timeoutMs: 300_000 });
  assert.equal(good.code, 0, good.stderr);
  const [report] = JSON.parse(good.stdout) as TaskCheckReport[];
  assert.equal(report?.taskId, "battleOfSexes");
  assert.ok(report?.results.every((r) => r.status !== "fail"));

  const unknown = mlgym(["tasks", "check", "noSuchTask"]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stdout, /noSuchTask config: unknown task; available: .*battleOfSexes/);
});

test("mlgym baseline runs a baseline in a fresh sandbox and prints its metrics", () => {
  const json = mlgym(["baseline", "titanicSurvival", "--json"], { timeoutMs: 300_000 });
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), {
    taskId: "titanicSurvival",
    scale: "small",
    metrics: { accuracy: 320 / 418 },
    recordedOnly: false,
  });

  const text = mlgym(["baseline", "blotto"], { timeoutMs: 300_000 });
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /^blotto: Score=-0\.2\d+\nrecorded baseline \(small scale\): Score=-0\.247970\n$/,
  );

  const unknown = mlgym(["baseline", "noSuchTask"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown task 'noSuchTask'/);
});
