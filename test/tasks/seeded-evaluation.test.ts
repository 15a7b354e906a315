import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MLGymEnv } from "../../src/env/env.js";
import { make } from "../../src/env/make.js";

/** The priority score of one `validate` in the current episode. */
async function validate(env: MLGymEnv): Promise<number> {
  const step = await env.step("validate");
  const score = step.info.metrics?.Score;
  assert.equal(typeof score, "number", step.observation);
  return score!;
}

// The starter strategies of both games draw from `random` in the agent's process, and both opponents (target.py)
// draw from `random` in the evaluation: both processes must be seeded for a score to repeat.
describe("evaluations draw their randomness from the episode's seed", () => {
  for (const id of ["battleOfSexes", "prisonersDilemma"]) {
    test(id, { timeout: 600_000 }, async () => {
      const env = make(id);
      try {
        const seven = (await env.reset({ seed: 7 })).info;
        assert.equal(seven.seed, 7);
        const first = await validate(env);
        assert.equal(await validate(env), first, "the same code scores the same within an episode");
        await env.reset({ seed: 7 });
        assert.equal(await validate(env), first, "reset({seed: 7}) reproduces the score");
        await env.reset({ seed: 8 });
        assert.notEqual(await validate(env), first, "another seed draws other games");

        // No seed: fresh randomness, and the seed drawn is reported so that the episode can be reproduced.
        const fresh = (await env.reset()).info.seed;
        assert.ok(Number.isSafeInteger(fresh) && fresh >= 0, `${fresh}`);
        const unseeded = await validate(env);
        assert.notEqual((await env.reset()).info.seed, fresh, "a fresh seed per episode");
        await env.reset({ seed: fresh });
        assert.equal(await validate(env), unseeded);
      } finally {
        await env.close();
      }
    });
  }
});
