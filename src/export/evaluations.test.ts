import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReadStep } from "../trajectory/read.js";
import { improvementOver, stepEvaluations, stepRewards } from "./evaluations.js";

const VALID =
  "Your code produced a valid submission artefact at /w/x.py.\nBaseline Score: {'Score': 7.0}\nEvaluation Score: ";

function step(action: string, observation = ""): ReadStep {
  return { action, observation, response: "", state: "", thought: "" };
}

describe("stepEvaluations", () => {
  it("gives each successful validate the next score and the final evaluation to the last step", () => {
    const steps = [
      step("validate", `${VALID}{'Score': 7}`),
      step("ls"),
      step("validate", "Submission artefact not found."),
      step("validate", `${VALID}{'Score': 9}`),
      step("submit"),
    ];
    const { perStep, matched } = stepEvaluations(
      steps,
      [{ Score: 7 }, { Score: 9 }, { Score: 8 }],
      "submitted",
    );
    assert.deepEqual(perStep, [[{ Score: 7 }], [], [], [{ Score: 9 }], [{ Score: 8 }]]);
    assert.equal(matched, true);
  });

  it("adds nothing for an episode that ended without a final evaluation", () => {
    const steps = [step("validate", `${VALID}{'Score': 7}`), step("exit_cost")];
    const { perStep, matched } = stepEvaluations(steps, [{ Score: 7 }], "submission_not_found (exit_cost)");
    assert.deepEqual(perStep, [[{ Score: 7 }], []]);
    assert.equal(matched, true);
  });

  it("puts both evaluations on a last validate that hit the step limit", () => {
    const steps = [step("validate", `${VALID}{'Score': 7}`)];
    const { perStep } = stepEvaluations(steps, [{ Score: 7 }, { Score: 7.5 }], "autosubmission (max_steps)");
    assert.deepEqual(perStep, [[{ Score: 7 }, { Score: 7.5 }]]);
  });

  it("says when the scores and the steps disagree", () => {
    const steps = [step("validate", `${VALID}{'Score': 7}`), step("submit")];
    const { perStep, matched } = stepEvaluations(steps, [{ Score: 9 }], "submitted");
    assert.equal(matched, false);
    assert.deepEqual(perStep, [[], [{ Score: 9 }]]);
  });
});

describe("stepRewards", () => {
  const cases: Array<{
    name: string;
    scores: Array<number | null>;
    direction: "maximize" | "minimize";
    baseline: number | undefined;
    rewards: number[];
    deltas: Array<number | null>;
  }> = [
    {
      name: "maximise: gains over the best so far, normalised by |baseline|",
      scores: [7, null, 9, 8, 10],
      direction: "maximize",
      baseline: 8,
      rewards: [0, 0, 1 / 8, 0, 1 / 8],
      deltas: [-1, null, 1, -1, 1],
    },
    {
      name: "minimise: lower is better",
      scores: [15, 12, 14],
      direction: "minimize",
      baseline: 16,
      rewards: [1 / 16, 3 / 16, 0],
      deltas: [1, 3, -2],
    },
    {
      name: "no baseline: the first score is the reference",
      scores: [3, 5],
      direction: "maximize",
      baseline: undefined,
      rewards: [0, 2],
      deltas: [null, 2],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const perStep = c.scores.map((s) => (s === null ? [] : [{ Score: s }]));
      const got = stepRewards(perStep, "Score", c.direction, c.baseline);
      assert.deepEqual(
        got.map((r) => r.reward),
        c.rewards,
      );
      assert.deepEqual(
        got.map((r) => r.scoreDelta),
        c.deltas,
      );
    });
  }

  it("sums to the normalised improvement of the best score", () => {
    const perStep = [[{ Score: 7.5 }], [{ Score: 7.2 }], [{ Score: 9 }]];
    const total = stepRewards(perStep, "Score", "maximize", 7).reduce((a, r) => a + r.reward, 0);
    assert.ok(Math.abs(total - improvementOver(9, 7, "maximize")!) < 1e-12);
  });
});

describe("improvementOver", () => {
  it("is relative to |baseline| in the task's direction", () => {
    assert.equal(improvementOver(9, 7.5, "maximize"), 0.2);
    assert.equal(improvementOver(12, 16, "minimize"), 0.25);
    assert.equal(improvementOver(0.5, -0.25, "maximize"), 3);
    assert.equal(improvementOver(undefined, 7, "maximize"), undefined);
    assert.equal(improvementOver(7, undefined, "maximize"), undefined);
  });
});
