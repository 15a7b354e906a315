import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CPU_TASKS } from "./catalogue.js";
import { type HostWorkspace, hostWorkspace, parseMetrics } from "./workspace.js";

// The task scripts run directly with the managed Python runtime, in a host copy of the workspace (no sandbox):
// good submissions score what they should, malformed ones fail with a clear message.

const original = (id: string) => CPU_TASKS.find((t) => t.id === id)!;

function evaluate(ws: HostWorkspace, args: string[] = []) {
  const r = ws.evaluate(args);
  assert.equal(r.code, 0, `evaluate.py failed: ${r.stdout}${r.stderr}`);
  assert.equal(r.stderr, "", "evaluate.py must print nothing but its metrics");
  return parseMetrics(r.stdout);
}

function evaluateFails(ws: HostWorkspace, args: string[], message: RegExp) {
  const r = ws.evaluate(args);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^Evaluation failed: /m);
  assert.match(r.stdout, message);
}

for (const id of ["battleOfSexes", "prisonersDilemma", "blotto"]) {
  describe(`${id} scripts`, () => {
    let ws: HostWorkspace;
    before(async () => {
      ws = await hostWorkspace(id);
    });
    after(() => ws.dispose());

    test("the example strategy scores the original's baseline", () => {
      const { metric, original: expected, tolerance } = original(id);
      const score = evaluate(ws)[metric]!;
      assert.ok(
        Math.abs(score - expected) <= tolerance,
        `${metric} ${score}, original ${expected} ± ${tolerance}`,
      );
    });

    test("an invalid move fails the evaluation with a clear message", () => {
      ws.copyMalformed();
      evaluateFails(ws, [], /row_strategy returned .* in round 1/);
    });

    test("a strategy that does not import fails the evaluation", () => {
      writeFileSync(join(ws.dir, "strategy.py"), "def row_strategy(:\n");
      evaluateFails(ws, [], /could not import row_strategy from strategy\.py/);
    });
  });
}

describe("3SATTime scripts", () => {
  let ws: HostWorkspace;
  before(async () => {
    ws = await hostWorkspace("3SATTime");
  });
  after(() => ws.dispose());

  test("prepare.py is idempotent: a second run keeps the file and prints nothing", () => {
    const r = ws.python([join(ws.spec.file, "..", "prepare.py")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
  });

  test("the example heuristic solves every instance with the recorded number of decisions", () => {
    const m = evaluate(ws);
    const recorded = ws.spec.config.baseline_scores[0]!;
    assert.equal(m.Correct, 400);
    assert.equal(m.Incorrect, 0);
    assert.equal(m.Decisions, recorded.Decisions);
    // Wall-clock time depends on the machine and its load: `mlgym tasks check` compares it, generously.
    assert.ok(m.Time! > 0, `Time ${m.Time}`);
  });

  test("a heuristic that gives up makes wrong answers, which fail the evaluation", () => {
    ws.copyMalformed();
    evaluateFails(ws, [], /wrong answer on instance \d+/);
  });
});

describe("regressionKaggleHousePrice scripts", () => {
  let ws: HostWorkspace;
  before(async () => {
    ws = await hostWorkspace("regressionKaggleHousePrice");
  });
  after(() => ws.dispose());

  test("the baseline reproduces the original's rmse and r2", () => {
    assert.equal(ws.python(["baseline.py"]).code, 0);
    const m = evaluate(ws, ["--submission_file", join(ws.dir, "submission.csv")]);
    assert.ok(Math.abs(m.r2! - 0.8799891474739243) <= 0.005, `r2 ${m.r2}`);
    assert.ok(Math.abs(m.rmse! - 30340.111853413255) <= 1, `rmse ${m.rmse}`);
  });

  test("the answers themselves score perfectly", () => {
    const m = evaluate(ws, ["--submission_file", "data/answer.csv"]);
    assert.equal(m.r2, 1);
    assert.equal(m.rmse, 0);
  });

  test("malformed submissions fail with a clear message", () => {
    ws.copyMalformed();
    evaluateFails(ws, ["--submission_file", "submission.csv"], /needs the columns Id and SalePrice/);
    const answers = readFileSync(join(ws.dir, "data", "answer.csv"), "utf8")
      .trim()
      .split("\n");
    writeFileSync(join(ws.dir, "short.csv"), `${answers.slice(0, 100).join("\n")}\n`);
    evaluateFails(ws, ["--submission_file", "short.csv"], /one row per test Id .* 193 Ids are missing/);
    evaluateFails(ws, ["--submission_file", "missing.csv"], /cannot read missing\.csv/);
  });
});

describe("titanicSurvival scripts", () => {
  let ws: HostWorkspace;
  before(async () => {
    ws = await hostWorkspace("titanicSurvival");
  });
  after(() => ws.dispose());

  test("the gender-rule baseline scores 0.76555 and the sample submission scores", () => {
    assert.equal(ws.python(["baseline.py"]).code, 0);
    assert.equal(evaluate(ws, ["--submission_file", "submission.csv"]).accuracy, 320 / 418);
    assert.equal(evaluate(ws, ["--submission_file", "sample_submission.csv"]).accuracy, 260 / 418);
  });

  test("malformed submissions fail with a clear message", () => {
    ws.copyMalformed();
    evaluateFails(ws, ["--submission_file", "submission.csv"], /one row per passenger of test\.csv/);
    writeFileSync(
      join(ws.dir, "bad.csv"),
      "PassengerId,Survived\n".concat(Array.from({ length: 418 }, (_, i) => `${892 + i},yes`).join("\n")),
    );
    evaluateFails(ws, ["--submission_file", "bad.csv"], /Survived must be 0 or 1/);
  });
});

const fmnistSource =
  existsSync("/usr/share/datasets/fashion-mnist") || Boolean(process.env.MLGYM_FASHION_MNIST_DIR);
describe("imageClassificationFMnist scripts", {
  skip: fmnistSource ? false : "no offline Fashion-MNIST: apt-get install dataset-fashion-mnist",
}, () => {
  let ws: HostWorkspace;
  before(async () => {
    ws = await hostWorkspace("imageClassificationFMnist");
  });
  after(() => ws?.dispose());

  test("prepare.py splits the data: test labels only in the hidden answer file", () => {
    const r = ws.python([
      "-c",
      "import numpy as np; tr=np.load('data/train.npz'); te=np.load('data/test.npz'); print(tr['images'].shape, tr['labels'].shape, te['images'].shape, sorted(te.files))",
    ]);
    assert.equal(r.stdout.trim(), "(60000, 28, 28) (60000,) (10000, 28, 28) ['images']");
    assert.equal(
      readFileSync(join(ws.dir, "data", "answer.csv"), "utf8")
        .trim()
        .split("\n").length,
      10001,
    );
  });

  test("the sample submission scores a tenth (every class is a tenth of the test set); the answers score 1", () => {
    assert.equal(evaluate(ws, ["--submission_file", "sample_submission.csv"]).accuracy, 0.1);
    assert.equal(evaluate(ws, ["--submission_file", "data/answer.csv"]).accuracy, 1);
  });

  test("a submission with the wrong number of rows fails with a clear message", () => {
    ws.copyMalformed();
    evaluateFails(
      ws,
      ["--submission_file", "submission.csv"],
      /has 1 rows; it needs one per test image \(10000\)/,
    );
  });
});
