import assert from "node:assert/strict";
import { test } from "node:test";
import {
  areaUnderProfile,
  isFeasible,
  linspace,
  performanceProfiles,
  performanceRatios,
  type TaskRatios,
  type TaskScores,
  tauGrid,
} from "./profiles.js";

const nan = Number.NaN;

test("performance ratios: feasibility, best/worst feasible and the 1.05 penalty", () => {
  const table: Array<[string, TaskScores, TaskRatios]> = [
    [
      "maximise: NaN and below-baseline are infeasible",
      { scores: [1, 2, nan, 0.5], baseline: 1, direction: "maximize" },
      { ratios: [2, 1, 2.1, 2.1], bound: 3 },
    ],
    [
      "minimise: worse than baseline and negative are infeasible",
      { scores: [10, 5, 20, -1], baseline: 10, direction: "minimize" },
      { ratios: [2, 1, 2.1, 2.1], bound: 3 },
    ],
    [
      "a negative baseline is itself infeasible (Blotto)",
      { scores: [-0.25, 0.5, 0.1], baseline: -0.25, direction: "maximize" },
      { ratios: [5.25, 1, 5], bound: 6 },
    ],
    [
      "all equal: ratio 1, bound ceil(1.05) = 2",
      { scores: [3, 3], baseline: 3, direction: "maximize" },
      { ratios: [1, 1], bound: 2 },
    ],
    [
      "nothing feasible: the task counts for nobody",
      { scores: [nan, nan], baseline: nan, direction: "maximize" },
      { ratios: [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY], bound: undefined },
    ],
  ];
  for (const [name, task, expected] of table) {
    const got = performanceRatios(task);
    assert.deepEqual(
      got.ratios.map((r) => Math.round(r * 1e12) / 1e12),
      expected.ratios,
      name,
    );
    assert.equal(got.bound, expected.bound, name);
  }
});

test("isFeasible compares with the baseline in the metric's direction", () => {
  assert.equal(isFeasible(0, 0, "maximize"), true);
  assert.equal(isFeasible(0, 0, "minimize"), true);
  assert.equal(isFeasible(-0.1, -1, "maximize"), false);
  assert.equal(isFeasible(nan, 1, "minimize"), false);
});

test("tau grid: ceil(10·log10(max bound))/10, 500 points like numpy linspace", () => {
  const taus = tauGrid([2, 27, 14, 4, 3]);
  assert.equal(taus.length, 500);
  assert.equal(taus[0], 0);
  assert.equal(taus[1], 1.5 / 499);
  assert.equal(taus[499], 1.5);
  assert.equal(tauGrid([3, 6, undefined]).at(-1), 0.8);
  assert.equal(tauGrid([10]).at(-1), 1);
  assert.deepEqual(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
});

test("profiles count tasks with log10(ratio) <= tau; AUP is the left Riemann sum", () => {
  const taus = [0, 0.31, 0.33];
  const profiles = performanceProfiles(
    [
      [1, 2],
      [2.1, 1],
    ],
    taus,
  );
  assert.deepEqual(profiles, [
    [0.5, 0.5, 1],
    [0.5, 1, 1],
  ]);
  assert.ok(Math.abs(areaUnderProfile(profiles[0] as number[], taus) - 0.165) < 1e-12);
  assert.ok(Math.abs(areaUnderProfile(profiles[1] as number[], taus) - 0.175) < 1e-12);
});
