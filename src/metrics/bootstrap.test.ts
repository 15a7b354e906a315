import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bootstrapAup,
  bootstrapTaskScore,
  pairedComparison,
  percentile,
  percentileInterval,
  seededRandom,
} from "./bootstrap.js";
import { tauGrid } from "./profiles.js";

test("seededRandom is deterministic and uniform-looking in [0, 1)", () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    xs.slice(0, 5),
    Array.from({ length: 5 }, () => b()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  assert.notEqual(seededRandom(1)(), seededRandom(2)());
});

test("percentile uses numpy's linear interpolation", () => {
  const table: Array<[number[], number, number]> = [
    [[1, 2, 3, 4], 50, 2.5],
    [[1, 2, 3, 4], 25, 1.75],
    [[1, 2, 3, 4], 100, 4],
    [[7], 2.5, 7],
  ];
  for (const [xs, q, expected] of table) assert.equal(percentile(xs, q), expected);
  assert.deepEqual(percentileInterval([Number.NaN, 1, 2, 3, 4, 5], 0.5), { low: 2, high: 4 });
  assert.equal(percentileInterval([Number.NaN]), undefined);
});

test("bootstrap of a task score stays within the runs' values and is seeded", () => {
  const runs = [0.5, undefined, 0.9, 0.7];
  const samples = bootstrapTaskScore(runs, "maximize", 200, seededRandom(3));
  assert.equal(samples.length, 200);
  assert.ok(samples.every((s) => Number.isNaN(s) || [0.5, 0.9, 0.7].includes(s)));
  assert.deepEqual(samples, bootstrapTaskScore(runs, "maximize", 200, seededRandom(3)));
  assert.deepEqual(new Set(bootstrapTaskScore([1, 1], "minimize", 20, seededRandom(1))), new Set([1]));
});

test("bootstrap AUP: one row per method, identical runs give a degenerate interval", () => {
  const tasks = [
    { direction: "maximize" as const, baseline: 1, runValues: [[2, 2], [1.5]] },
    { direction: "minimize" as const, baseline: 10, runValues: [[5], [20, 20]] },
  ];
  const taus = tauGrid([3, 3]);
  const samples = bootstrapAup(tasks, taus, 50, seededRandom(7));
  assert.equal(samples.length, 3);
  for (const row of samples) {
    assert.equal(row.length, 50);
    assert.equal(new Set(row).size, 1);
  }
});

test("paired comparison counts per-task wins and the AUP difference over paired replicates", () => {
  const result = pairedComparison(
    [2, Number.NaN, 1, Number.NaN],
    [1, 1, 1, Number.NaN],
    ["maximize", "maximize", "minimize", "maximize"],
    { a: 1.3, b: 1.2 },
    { a: [1.3, 1.2, 1.4], b: [1.2, 1.25, 1.2] },
  );
  assert.equal(result.wins, 1);
  assert.equal(result.losses, 1);
  assert.equal(result.ties, 1);
  assert.equal(result.tasksCompared, 3);
  assert.ok(Math.abs(result.aupDifference - 0.1) < 1e-12);
  assert.ok(Math.abs((result.shareABetter ?? 0) - 2 / 3) < 1e-12);
  assert.equal(pairedComparison([1], [1], ["maximize"], { a: 1, b: 1 }).interval, undefined);
});
