import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";
import { buildReport } from "../../src/report/build-report.js";
import { displayNamesFrom } from "../../src/report/display-names.js";
import { aupTable, scoresTable } from "../../src/report/tables.js";
import { writeReport } from "../../src/report/write-report.js";
import { runName, tempDir, writeTree } from "./helpers.js";

const result = (score: number, baseline = 0.5, metric = "Score") => ({
  agent: [{ [metric]: score }],
  baseline: { [metric]: baseline },
});

test("built-in tasks outside the paper's catalogue (titanicSurvival) and --tasks-dir tasks are known", async () => {
  const root = await tempDir();
  const tasksDir = join(root, "my-tasks");
  await writeTree(root, {
    "my-tasks/lossTask/task.yaml":
      "id: lossTask\nname: Loss task\ndescription: d\npriority_metric: loss\nmetric_directions: {loss: minimize}\nbaseline_scores:\n  - loss: 2.0\n",
    "runs/m1__titanicSurvival__default__run_0/results.json": result(0.8, 0.76555, "accuracy"),
    // No baseline in results.json: the task YAML's baseline_scores stands in.
    "runs/m1__lossTask__default__run_0/results.json": { agent: [{ loss: 1.5 }, { loss: 1.0 }] },
  });
  const out = join(root, "out");
  const code = await main([
    "report",
    join(root, "runs"),
    "--out",
    out,
    "--format",
    "csv",
    "--tasks-dir",
    tasksDir,
  ]);
  assert.equal(code, 0);
  assert.equal(
    await readFile(join(out, "best_scores.csv"), "utf8"),
    "Task,baseline,m1\nLoss task,2.0,1.0\nTitanic Survival Prediction,0.766,0.8\n",
  );
  // Without --tasks-dir the user task is unknown (a note), titanicSurvival still is.
  const data = await buildReport(join(root, "runs"));
  assert.deepEqual(
    data.scores.tasks.map((t) => t.id),
    ["titanicSurvival"],
  );
  assert.ok(data.issues.some((i) => i.kind === "unknown-task" && i.path.includes("lossTask")));
});

test("models covering different task sets: a warning names who lacks what, on stderr and in summary.md", async () => {
  const root = await tempDir();
  await writeTree(root, {
    [`${runName("full", "blotto", 0)}/results.json`]: result(0.7),
    [`${runName("full", "battleOfSexes", 0)}/results.json`]: result(0.9),
    [`${runName("half", "blotto", 0)}/results.json`]: result(0.8),
  });
  const data = await buildReport(root);
  assert.deepEqual(data.coverage, [{ model: "half", missing: ["battleOfSexes"] }]);
  const warnings: string[] = [];
  const out = join(root, "out");
  await writeReport(data, out, ["md"], (line) => warnings.push(line));
  const line = warnings.find((w) => w.startsWith("half has no runs of 1 of 2 tasks (battleOfSexes)"));
  assert.ok(line, warnings.join("\n"));
  assert.match(line, /AUP/);
  assert.ok((await readFile(join(out, "summary.md"), "utf8")).includes(line));
  const even = await buildReport(root, { models: ["full"] });
  assert.deepEqual(even.coverage, []);
});

test("the τ range is the benchmark's: two reports over different runs share it and an unchanged model's AUP", async () => {
  const a = await tempDir();
  const b = await tempDir();
  // `top` is best on both tasks in both reports; the other model differs a lot between them, which moves
  // the original's data-dependent τmax (ceil of the worst feasible ratio; the negative baseline is infeasible).
  const top = { blotto: 2, battleOfSexes: 3 };
  for (const [root, other] of [
    [a, 1.9],
    [b, 0.2],
  ] as const) {
    await writeTree(root, {
      [`${runName("top", "blotto", 0)}/results.json`]: result(top.blotto, -0.25),
      [`${runName("top", "battleOfSexes", 0)}/results.json`]: result(top.battleOfSexes, -0.25),
      [`${runName("other", "blotto", 0)}/results.json`]: result(other, -0.25),
      [`${runName("other", "battleOfSexes", 0)}/results.json`]: result(other, -0.25),
    });
  }
  const [ra, rb] = [await buildReport(a), await buildReport(b)];
  assert.deepEqual(ra.scores.tauRange, rb.scores.tauRange);
  assert.equal(ra.scores.tauRange.max, 1.5);
  assert.equal(ra.scores.tauRange.source, "benchmark");
  const topRow = (table: string[][]) => table.find((row) => row[0] === "top");
  assert.deepEqual(topRow(aupTable(ra.scores)), ["top", "1.5", "1.5"]);
  assert.deepEqual(topRow(aupTable(rb.scores)), ["top", "1.5", "1.5"]);
  // The original's rule would give two ranges (and two AUPs for the same model).
  const [oa, ob] = [await buildReport(a, { tauMax: "auto" }), await buildReport(b, { tauMax: "auto" })];
  assert.notEqual(oa.scores.tauRange.max, ob.scores.tauRange.max);
  assert.notDeepEqual(topRow(aupTable(oa.scores)), topRow(aupTable(ob.scores)));
  // --tau-max sets it; it is recorded in report.json and summary.md.
  const out = join(a, "out");
  assert.equal(await main(["report", a, "--out", out, "--format", "json,md", "--tau-max", "2"]), 0);
  const json = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
  assert.equal(json.scores.tauRange.max, 2);
  assert.equal(json.scores.tauRange.source, "flag");
  assert.match(
    await readFile(join(out, "summary.md"), "utf8"),
    /τ ∈ \[0, 2\] \(500 points\): set by `--tau-max`/,
  );
  assert.equal(await main(["report", a, "--out", out, "--tau-max", "0"]), 2);
});

test("infrastructure failures are separated and left out of the scores unless included", async () => {
  const root = await tempDir();
  const infra = { kind: "api_unreachable", message: "connection refused", step: 0 };
  await writeTree(root, {
    [`${runName("m1", "blotto", 0)}/results.json`]: result(0.3, 0.1),
    // Recorded in results.json.
    [`${runName("m1", "blotto", 1)}/results.json`]: { ...result(0.9, 0.1), infrastructure_error: infra },
    // Recorded in the .traj only.
    [`${runName("m1", "blotto", 2)}/results.json`]: result(0.8, 0.1),
    [`${runName("m1", "blotto", 2)}/blotto.traj`]: {
      trajectory: [],
      info: { exit_status: "autosubmission (exit_api)", infrastructure_error: { kind: "model_not_found" } },
    },
    // Only the original's exit status says so.
    [`${runName("m1", "blotto", 3)}/results.json`]: { agent: [] },
    [`${runName("m1", "blotto", 3)}/blotto.traj`]: { trajectory: [], info: { exit_status: "exit_api" } },
    [`${runName("m1", "blotto", 4)}/results.json`]: { agent: [] },
    [`${runName("m1", "blotto", 4)}/blotto.traj`]: {
      trajectory: [],
      info: { exit_status: "infrastructure_error (sandbox)" },
    },
  });
  const data = await buildReport(root);
  assert.equal(data.infrastructure?.count, 4);
  assert.deepEqual(data.infrastructure?.byKind, {
    api_unreachable: 1,
    model_not_found: 1,
    api_error: 1,
    sandbox: 1,
  });
  assert.equal(scoresTable(data.scores, "best")[1]?.[2], "0.3", "infrastructure runs are not scored");
  assert.deepEqual(data.runs.outcomesByModel.m1, {
    runs: 1,
    failed: 0,
    infrastructure: 0,
    incomplete: 0,
    withTrajectory: 0,
  });
  const out = join(root, "out");
  const warnings: string[] = [];
  await writeReport(data, out, ["md"], (line) => warnings.push(line));
  assert.ok(warnings.some((w) => /^4 runs ended because of infrastructure .*left out of the scores/.test(w)));
  const md = await readFile(join(out, "summary.md"), "utf8");
  assert.match(md, /## Infrastructure failures[\s\S]*\| api_unreachable \| 1 \|/);

  const included = await buildReport(root, { includeInfrastructureFailures: true });
  assert.equal(scoresTable(included.scores, "best")[1]?.[2], "0.9");
  assert.equal(included.runs.outcomesByModel.m1?.infrastructure, 4);
  assert.equal(included.runs.outcomesByModel.m1?.failed, 0, "not counted as the agent's failures");
});

test("display names label the Markdown/HTML tables; CSV keeps ids and models.csv maps them", async () => {
  const root = await tempDir();
  await writeTree(root, { [`${runName("m-1", "blotto", 0)}/results.json`]: result(0.3, 0.1) });
  const names = join(root, "names.yaml");
  await writeFile(names, "m-1: {name: Model One, colour: '#123456'}\n");
  const out = join(root, "out");
  assert.equal(await main(["report", root, "--out", out, "--format", "csv,md,html", "--names", names]), 0);
  assert.equal(await readFile(join(out, "best_scores.csv"), "utf8"), "Task,baseline,m-1\nBlotto,0.1,0.3\n");
  assert.match(
    await readFile(join(out, "models.csv"), "utf8"),
    /^Model,Display name,Colour\n.*\nm-1,Model One,#123456\n$/,
  );
  const md = await readFile(join(out, "summary.md"), "utf8");
  assert.match(md, /\| Task \| Baseline \| Model One \|/);
  assert.match(await readFile(join(out, "report.html"), "utf8"), /<th>Model One<\/th>/);
  const data = await buildReport(root, { names: displayNamesFrom(new Map([["m-1", { name: "X" }]])) });
  assert.equal(data.names.label("m-1"), "X");
});

test("a model or task whose every run failed on infrastructure is left out of the tables, with a note", async () => {
  const root = await tempDir();
  const infra = { kind: "api_unreachable", message: "connection refused", step: 1 };
  await writeTree(root, {
    [`${runName("m1", "blotto", 0)}/results.json`]: result(0.3, 0.1),
    [`${runName("m2", "blotto", 0)}/results.json`]: { ...result(0.9, 0.1), infrastructure_error: infra },
    [`${runName("m1", "battleOfSexes", 0)}/results.json`]: {
      ...result(1.2, 1.0),
      infrastructure_error: infra,
    },
  });
  const data = await buildReport(root);
  assert.deepEqual(data.scores.models, ["m1"], "m2 has nothing scored");
  assert.deepEqual(
    data.scores.tasks.map((t) => t.id),
    ["blotto"],
    "battleOfSexes has nothing scored",
  );
  const notes = data.issues.map((i) => i.message).join("\n");
  assert.match(notes, /model m2: every run ended because of infrastructure/);
  assert.match(notes, /task battleOfSexes: every run ended because of infrastructure/);
  const included = await buildReport(root, { includeInfrastructureFailures: true });
  assert.deepEqual(included.scores.models, ["m1", "m2"]);
});
