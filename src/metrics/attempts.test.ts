import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregateRuns, bestAttempt, lastAttempt } from "./attempts.js";
import type { Direction, MetricEntry } from "./types.js";

const cases: Array<{
  name: string;
  entries: MetricEntry[];
  direction: Direction;
  best: { index: number; value: number } | undefined;
  last: { index: number; value: number } | undefined;
}> = [
  {
    name: "first of equal maxima wins; last is the final entry",
    entries: [{ Score: 1 }, { Score: 3 }, { Score: 3 }, { Score: 2 }],
    direction: "maximize",
    best: { index: 1, value: 3 },
    last: { index: 3, value: 2 },
  },
  {
    name: "minimise",
    entries: [{ Time: 5 }, { Time: 2 }, { Time: 2 }, { Time: 4 }],
    direction: "minimize",
    best: { index: 1, value: 2 },
    last: { index: 3, value: 4 },
  },
  {
    name: "entries without the metric, NaN or Infinity are skipped; a last entry without it gives no last",
    entries: [{ Score: Number.NaN }, { Score: 0.5 }, { Score: Number.POSITIVE_INFINITY }, { other: 9 }],
    direction: "maximize",
    best: { index: 1, value: 0.5 },
    last: undefined,
  },
  {
    name: "non-numeric values are skipped",
    entries: [{ Score: "1.5" }, { Score: 1 }],
    direction: "maximize",
    best: { index: 1, value: 1 },
    last: { index: 1, value: 1 },
  },
  {
    name: "empty agent list = failed run",
    entries: [],
    direction: "maximize",
    best: undefined,
    last: undefined,
  },
  {
    name: "no entry has the metric = failed run, even if the last entry is fine otherwise",
    entries: [{ other: 1 }],
    direction: "maximize",
    best: undefined,
    last: undefined,
  },
];

for (const c of cases) {
  test(`best/last attempt: ${c.name}`, () => {
    const metric =
      Object.keys(c.entries.find((e) => Object.keys(e)[0] !== "other") ?? { Score: 0 })[0] ?? "Score";
    assert.deepEqual(bestAttempt(c.entries, metric, c.direction), c.best);
    assert.deepEqual(lastAttempt(c.entries, metric, c.direction), c.last);
  });
}

test("aggregateRuns takes the best run value and NaN when no run has one", () => {
  const table: Array<[Array<number | undefined>, Direction, number]> = [
    [[undefined, 3, 1], "maximize", 3],
    [[undefined, 3, 1], "minimize", 1],
    [[-2, -5], "maximize", -2],
    [[undefined, undefined], "maximize", Number.NaN],
    [[], "minimize", Number.NaN],
  ];
  for (const [values, direction, expected] of table)
    assert.deepEqual(aggregateRuns(values, direction), expected);
});
