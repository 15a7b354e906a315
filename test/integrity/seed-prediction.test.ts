// An agent that replays the opponent's random draws: a seeded evaluation must not let the agent's code learn the
// evaluation's seed, from its shell's `MLGYM_SEED`, from its own `MLGYM_EVAL_SEED` or from guessing the episode's
// seed, or Battle of the Sexes is won every round. The positive control hands the strategy the real seed.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { MLGymEnv } from "../../src/env/env.js";
import { evaluationSeed } from "../../src/env/evaluation.js";
import { make } from "../../src/env/make.js";
import { cacheHome } from "../../src/runtime/paths.js";
import { backendsUnderTest } from "../helpers/sandboxes.js";

// MLGYM_ATTACK_SANDBOX=docker runs the same attacks in containers.
const isolating = backendsUnderTest().find((b) => b.name === (process.env.MLGYM_ATTACK_SANDBOX ?? "bwrap"))!;
const SEED = 7;

/**
 * Opens with 0 (so the partner keeps to 0 80% of the time), then predicts each of the partner's draws: the
 * evaluation draws one `random.random()` per game per round after the first, in game order, as the player
 * calls `row_strategy`. `SOURCE` is a Python expression giving the candidate value of MLGYM_EVAL_SEED.
 */
function predictingStrategy(source: string): string {
  return `import os, random
from mlgym_eval.seeding import derived_seed

_rng = None


def row_strategy(history):
    global _rng
    if not history:
        return 0
    if _rng is None:
        _rng = random.Random(derived_seed(${source}, "evaluation"))
    return 0 if _rng.random() < 0.8 else 1`;
}

describe("the agent's code cannot predict a seeded evaluation (battleOfSexes)", {
  skip: isolating.skip,
}, () => {
  let env: MLGymEnv;
  before(async () => {
    env = make("battleOfSexes", { sandbox: isolating.name });
    await env.reset({ seed: SEED });
  });
  after(() => env?.close());

  async function score(source: string): Promise<number> {
    const write = await env.step(`cat > strategy.py <<'MLGYM_EOF'\n${predictingStrategy(source)}\nMLGYM_EOF`);
    assert.equal(write.info.exitCode, 0, write.observation);
    const r = await env.step("validate");
    const value = r.info.metrics?.Score;
    assert.equal(typeof value, "number", r.observation);
    return value!;
  }

  test("the host's evaluation key is out of the sandbox's sight", async () => {
    const key = join(cacheHome(), "eval-key");
    const r = await env.step(`cat ${key}; find / -name eval-key -not -path '/proc/*' 2>/dev/null`);
    assert.doesNotMatch(r.observation, /[0-9a-f]{64}|eval-key$/m, r.observation);
  });

  test("positive control: with the evaluation's real seed the prediction wins nearly every round", async () => {
    const real = evaluationSeed(SEED, "evaluation");
    assert.ok((await score(JSON.stringify(real))) > 1.58);
  });

  // The honest optimum (always 0) is about 1.44; a correct prediction gives about 1.62.
  for (const [name, source] of [
    ["its own MLGYM_EVAL_SEED", `os.environ.get("MLGYM_EVAL_SEED", "")`],
    ["the shell's MLGYM_SEED", `os.environ.get("MLGYM_SEED", "${SEED}")`],
    ["the episode's seed, guessed", `"${SEED}"`],
  ]) {
    test(`from ${name}: no better than honest play`, async () => {
      assert.ok((await score(source!)) < 1.5);
    });
  }
});
