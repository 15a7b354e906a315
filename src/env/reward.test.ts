import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../errors.js";
import { improvementReward, parseRewardMode } from "./reward.js";

describe("parseRewardMode", () => {
  it("accepts the known modes, and none by default", () => {
    assert.equal(parseRewardMode(undefined), "none");
    assert.equal(parseRewardMode("none"), "none");
    assert.equal(parseRewardMode("improvement"), "improvement");
  });

  for (const bad of ["improvment", "Improvement", "", 1, null]) {
    it(`refuses ${JSON.stringify(bad)}, naming the field and the allowed values`, () => {
      assert.throws(
        () => parseRewardMode(bad),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.field === "reward" &&
          /unknown reward mode/.test(error.message) &&
          /allowed: none, improvement/.test(error.message),
      );
    });
  }
});

describe("improvementReward", () => {
  it("pays the normalised gain over the best so far, never a loss", () => {
    const first = improvementReward(0.6, undefined, 0.5, "maximize");
    assert.ok(Math.abs(first.reward - 0.2) < 1e-12 && first.best === 0.6);
    assert.deepEqual(improvementReward(0.55, 0.6, 0.5, "maximize"), { reward: 0, best: 0.6 });
    assert.deepEqual(improvementReward(4, undefined, 5, "minimize"), { reward: 0.2, best: 4 });
  });
});
