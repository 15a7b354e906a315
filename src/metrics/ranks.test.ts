import assert from "node:assert/strict";
import { test } from "node:test";
import { bordaOrder, bordaScores, meanRankOrder, rankMethods } from "./ranks.js";
import type { Direction } from "./types.js";

test("rankMethods: stable sort (baseline first on ties), missing methods last in input order", () => {
  const methods = ["baseline", "a", "b", "c", "d"];
  const table: Array<[number[], Direction, string[]]> = [
    [[1, 2, 1, Number.NaN, 0], "maximize", ["a", "baseline", "b", "d", "c"]],
    [[1, 2, 1, Number.NaN, 0], "minimize", ["d", "baseline", "b", "a", "c"]],
    [[Number.NaN, Number.NaN, 5, 5, Number.NaN], "maximize", ["b", "c", "baseline", "a", "d"]],
  ];
  for (const [scores, direction, expected] of table)
    assert.deepEqual(rankMethods(methods, scores, direction), expected);
});

test("mean rank and Borda aggregates, ties keep the method order", () => {
  const rankings = [
    ["a", "b", "c"],
    ["b", "a", "c"],
    ["c", "a", "b"],
  ];
  assert.deepEqual(meanRankOrder(rankings, ["c", "b", "a"]), ["a", "b", "c"]);
  assert.deepEqual(Object.fromEntries(bordaScores(rankings, ["a", "b", "c"])), { a: 7, b: 6, c: 5 });
  assert.deepEqual(bordaOrder(rankings, ["c", "b", "a"]), ["a", "b", "c"]);
  const tied = [
    ["b", "a"],
    ["a", "b"],
  ];
  assert.deepEqual(meanRankOrder(tied, ["a", "b"]), ["a", "b"]);
  assert.deepEqual(bordaOrder(tied, ["b", "a"]), ["b", "a"]);
});
