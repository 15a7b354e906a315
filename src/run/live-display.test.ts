import assert from "node:assert/strict";
import { test } from "node:test";
import { LiveDisplay } from "./live-display.js";

const task = { priorityMetric: "Score", direction: "maximize" as const, baseline: { Score: 7 } };
const step = {
  action: "validate\n",
  observation: "Evaluation Score: {'Score': 9}",
  response: "",
  state: "",
  thought: "",
  execution_time: 0.1,
};

test("each step shows the count, elapsed time, best score vs baseline, cost and re-queries", () => {
  let text = "";
  const display = new LiveDisplay(task, { write: (t) => (text += t), tty: false });
  display.onEvent({
    kind: "requery",
    step: 1,
    requery: { response: "no block here", error: "No command block found" },
  });
  display.onStep(step, { step: 1, maxSteps: 6, costUsd: 0.0123, scores: [{ Score: 9 }, { Score: 8 }] });
  assert.match(
    text,
    /↻ step 1: answer refused, asking again: No command block found\n {4}answer was: no block here\n/,
  );
  assert.match(
    text,
    /\[step 1\/6 · 0 s · best Score 9 \(baseline 7\) · \$0\.0123 · 1 re-query\] \$ validate\n/,
  );
});

test("a long model call prints an activity line every interval on a non-terminal", async () => {
  let text = "";
  const display = new LiveDisplay(task, { write: (t) => (text += t), tty: false, intervalS: 0.05 });
  display.onEvent({ kind: "query", step: 1 });
  await new Promise((resolve) => setTimeout(resolve, 180));
  display.end();
  const lines = text.split("\n").filter((l) => l.startsWith("… waiting for the model ("));
  assert.ok(lines.length >= 2, text);
  const after = text;
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(text, after, "nothing more once the call ended");
});
