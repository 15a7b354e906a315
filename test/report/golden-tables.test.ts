import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { buildReport } from "../../src/report/build-report.js";
import { aupTable, ranksTable, scoresTable, toCsv } from "../../src/report/tables.js";
import { sharedDir } from "./helpers.js";

const results = join(sharedDir, "reference/mlgym-results");
const expected = join(sharedDir, "reference/expected-tables");

test("the original's six models reproduce aup/best/last tables cell for cell", async () => {
  // `--tau-max auto`: the original's data-dependent τ range, which its tables were made with.
  const data = await buildReport(results, { tauMax: "auto" });
  assert.equal(data.runCount, 312);
  const tables = {
    aup_scores: toCsv(aupTable(data.scores)),
    best_scores: toCsv(scoresTable(data.scores, "best")),
    last_scores: toCsv(scoresTable(data.scores, "last")),
  };
  for (const [name, csv] of Object.entries(tables)) {
    assert.equal(csv, await readFile(join(expected, `${name}.csv`), "utf8"), name);
  }
  // With these six models the largest ceil(worst·1.05) gives τmax = 1.4 (1.5 with the original's twelve).
  assert.equal(data.scores.taus.at(-1), 1.4);
  assert.equal(data.scores.taus.length, 500);
});

test("rank tables: one row per task, stable ties, then mean-rank and Borda rows", async () => {
  const data = await buildReport(results);
  const best = ranksTable(data.scores, "best");
  assert.deepEqual(best[0], ["Rank", "1", "2", "3", "4", "5", "6", "7"]);
  assert.equal(best.length, 1 + 13 + 2);
  // Mountain Car Continuous: claude-35-sonnet-new has no score, so it is ranked last.
  assert.deepEqual(best[13], [
    "Mountain Car Continuous",
    "gemini-15-pro",
    "llama3-405b-tools",
    "gpt-o1",
    "baseline",
    "gpt4o2",
    "deepseek-r1",
    "claude-35-sonnet-new",
  ]);
  // Language Modeling (minimise val_loss): two models without scores follow in column order.
  assert.deepEqual(best[6]?.slice(-2), ["deepseek-r1", "llama3-405b-tools"]);
  assert.equal(best[14]?.[0], "Plackett-Luce");
  assert.equal(best[15]?.[0], "BORDA");
  assert.equal(best[15]?.at(-1), "baseline");
});
