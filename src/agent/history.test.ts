import assert from "node:assert/strict";
import { test } from "node:test";
import { type HistoryEntry, historyProcessor, lastNObservations } from "./history.js";

const entry = (role: HistoryEntry["role"], content: string, isDemo = false): HistoryEntry => ({
  role,
  content,
  agent: "primary_0",
  ...(isDemo ? { is_demo: true } : {}),
});

test("lastNObservations keeps the first and the last n observations and shortens the rest", () => {
  const history = [
    entry("system", "sys"),
    entry("user", "demo\nlines", true),
    entry("user", "task"),
    entry("assistant", "a1"),
    entry("user", "obs1\nline2\nline3"),
    entry("assistant", "a2"),
    entry("user", "obs2"),
    entry("assistant", "a3"),
    entry("user", "obs3"),
  ];
  const processed = lastNObservations(2)(history);
  assert.deepEqual(
    processed.map((h) => h.content),
    ["sys", "demo\nlines", "task", "a1", "Old output omitted (3 lines)", "a2", "obs2", "a3", "obs3"],
  );
  assert.equal(history[4]?.content, "obs1\nline2\nline3", "the stored history is unchanged");
});

test("history processors by the original's names", () => {
  assert.ok(historyProcessor("Last5Observations", {}));
  assert.ok(historyProcessor("LastNObservations", { n: 3 }));
  assert.equal(historyProcessor("DefaultHistoryProcessor", {})?.([entry("user", "x")])[0]?.content, "x");
  assert.equal(historyProcessor("Summarizer", {}), undefined);
  assert.throws(() => historyProcessor("LastNObservations", { n: 0 }), RangeError);
});
