import assert from "node:assert/strict";
import { test } from "node:test";
import { failureOutput, HiddenLines } from "./evaluation-output.js";

const hidden = new HiddenLines(
  [{ name: "answer.csv", content: "Id,SalePrice\n1461,169277.05\n1462,187758.39\n7,1\n" }],
  ["Id,LotArea\n1461,11622\n"],
);

test("hidden lines: rows of 6+ characters, not the CSV header, not lines the public files show", () => {
  assert.equal(hidden.leaks("value 1461,169277.05 here"), true);
  assert.equal(hidden.leaks("Id,SalePrice"), false);
  assert.equal(hidden.leaks("7,1"), false);
  assert.equal(
    new HiddenLines([{ name: "a.txt", content: "Id,LotArea\n" }], ["Id,LotArea"]).leaks("Id,LotArea"),
    false,
  );
});

const cases: Array<{ name: string; input: Parameters<typeof failureOutput>[0]; expected: string }> = [
  {
    name: "no hidden files: the whole output",
    input: { evaluationOutput: "Traceback (most recent call last):\nKeyError: 'x'\n" },
    expected: "Traceback (most recent call last):\nKeyError: 'x'",
  },
  {
    name: "hidden files: verdict lines only, the rest withheld with a count",
    input: {
      evaluationOutput: "Traceback (most recent call last):\n  File x\nEvaluation failed: missing column Id",
      hiddenLines: hidden,
    },
    expected:
      "Evaluation failed: missing column Id\n[2 further lines of the evaluation's output withheld: this task has hidden files]",
  },
  {
    name: "hidden files: a verdict line quoting a hidden row is withheld too",
    input: { evaluationOutput: "Evaluation failed: row 1461,169277.05 is odd", hiddenLines: hidden },
    expected: "[1 further line of the evaluation's output withheld: this task has hidden files]",
  },
  {
    name: "the agent's own output follows, labelled",
    input: {
      evaluationOutput: "Evaluation failed: boom",
      hiddenLines: hidden,
      agentOutput: "Traceback\nZeroDivisionError\n",
    },
    expected:
      "Evaluation failed: boom\nOutput of your code during the evaluation:\nTraceback\nZeroDivisionError",
  },
  { name: "nothing at all", input: { evaluationOutput: "  \n", hiddenLines: hidden }, expected: "" },
];

for (const c of cases) {
  test(`failure output: ${c.name}`, () => {
    assert.equal(failureOutput(c.input), c.expected);
  });
}
