import assert from "node:assert/strict";
import { test } from "node:test";
import { buildReport } from "../../src/report/build-report.js";
import { scoresTable } from "../../src/report/tables.js";
import { runName, tempDir, writeTree } from "./helpers.js";

const baseline = { Score: 1.0 };

test("broken and partial run folders are reported and skipped, never crash the report", async () => {
  const root = await tempDir();
  await writeTree(root, {
    // Good runs: two models on a catalogue task.
    [`${runName("metagen-modelA", "battleOfSexes", 0)}/results.json`]: {
      agent: [{ Score: 1.2 }, { Score: 1.4 }],
      baseline,
    },
    [`${runName("metagen-modelA", "battleOfSexes", 1)}/results.json`]: { agent: [{ Score: 1.3 }], baseline },
    [`${runName("modelB", "battleOfSexes", 0)}/results.json`]: {
      agent: [{ Score: 1.1 }, { Score: 1.05 }],
      baseline,
    },
    // No results.json at all (only a log).
    [`${runName("modelB", "battleOfSexes", 1)}/run-250101.log`]: "crashed",
    // Empty agent list.
    [`${runName("modelB", "battleOfSexes", 2)}/results.json`]: { agent: [], baseline },
    // The priority metric is missing in the last entry.
    [`${runName("modelB", "battleOfSexes", 3)}/results.json`]: {
      agent: [{ Score: 1.25 }, { other: 3 }],
      baseline,
    },
    // NaN as Python's json writes it, and unparseable JSON.
    [`${runName("modelC", "battleOfSexes", 0)}/results.json`]:
      '{"agent": [{"Score": NaN}, {"Score": 0.9}], "baseline": {"Score": 1.0}}',
    [`${runName("modelC", "battleOfSexes", 1)}/results.json`]: '{"agent": [',
    // A results.json without an agent list, and one whose entries never have the metric.
    [`${runName("modelC", "battleOfSexes", 2)}/results.json`]: { baseline },
    [`${runName("modelC", "battleOfSexes", 3)}/results.json`]: { agent: [{ accuracy: 0.5 }], baseline },
    // A task that is not in the catalogue.
    [`${runName("modelA", "myNewTask", 0)}/results.json`]: { agent: [{ acc: 0.5 }], baseline: { acc: 0.4 } },
    // A folder whose name is not a run name but holds results.json; a broken .traj.
    "stray/results.json": { agent: [{ Score: 2 }] },
    [`${runName("modelA", "blotto", 0)}/results.json`]: {
      agent: [{ Score: 0.1 }],
      baseline: { Score: -0.25 },
    },
    [`${runName("modelA", "blotto", 0)}/blotto.traj`]: "{not json",
  });

  const data = await buildReport(root);
  const kinds = data.issues.map((i) => i.kind).sort();
  assert.deepEqual(kinds, [
    "bad-results",
    "bad-results",
    "bad-trajectory",
    "empty-agent-list",
    "last-metric-missing",
    "metric-missing",
    "no-results",
    "non-finite-value",
    "unknown-task",
    "unparseable-name",
  ]);
  assert.deepEqual(data.scores.models, ["modelA", "modelB", "modelC"]);
  assert.deepEqual(
    data.scores.tasks.map((t) => t.id),
    ["battleOfSexes", "blotto"],
  );
  assert.deepEqual(scoresTable(data.scores, "best"), [
    ["Task", "baseline", "modelA", "modelB", "modelC"],
    ["Battle of Sexes", "1.0", "1.4", "1.25", "0.9"],
    ["Blotto", "-0.25", "0.1", "", ""],
  ]);
  // modelB's last scores: run 0 ends at 1.05; run 3's last entry lacks the metric.
  assert.deepEqual(scoresTable(data.scores, "last")[1], ["Battle of Sexes", "1.0", "1.4", "1.05", "0.9"]);
  const outcomes = data.runs.outcomesByModel.modelB;
  assert.deepEqual(outcomes, { runs: 4, failed: 2, infrastructure: 0, incomplete: 0, withTrajectory: 0 });
  for (const aup of [...data.scores.best.aup, ...data.scores.last.aup]) assert.ok(Number.isFinite(aup));
});

test("extra task metadata brings unknown tasks in; an empty tree is an error", async () => {
  const root = await tempDir();
  await writeTree(root, {
    "ours-model__myNewTask__default__run_0/results.json": {
      agent: [{ loss: 2 }, { loss: 1.5 }],
      baseline: { loss: 3 },
    },
    "ours-model__myNewTask__default__run_1/results.json": {
      agent: [{ loss: 1.2 }, { loss: 1.7 }],
      baseline: { loss: 3 },
    },
  });
  const data = await buildReport(root, {
    tasks: [{ id: "myNewTask", displayName: "My task", priorityMetric: "loss", direction: "minimize" }],
  });
  assert.equal(data.issues.length, 0);
  assert.deepEqual(scoresTable(data.scores, "best"), [
    ["Task", "baseline", "ours-model"],
    ["My task", "3.0", "1.2"],
  ]);
  assert.deepEqual(scoresTable(data.scores, "last")[1], ["My task", "3.0", "1.5"]);
  await assert.rejects(buildReport(`${root}/does-not-exist`), /runs directory not found/);
});
