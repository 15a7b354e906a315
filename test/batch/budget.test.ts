import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runAgent } from "../../src/agent/agent.js";
import { loadAgentConfig } from "../../src/agent/config.js";
import { MemoryLedger, openLedger, RedisLedger } from "../../src/batch/ledger.js";
import type { Ledger } from "../../src/batch/types.js";
import { make } from "../../src/env/make.js";
import { ConfigError } from "../../src/errors.js";
import { OpenAIModel } from "../../src/models/openai.js";
import type { ResultsFile, TrajectoryFile } from "../../src/trajectory/files.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { redisSkipReason, startRedis, type TestRedis } from "../helpers/redis.js";
import { FakeServer } from "../models/fake-server.js";

/** 10 USD per million tokens both ways, answers capped at 1000 tokens: a worst case of a few cents a call. */
const PRICES = { "billed-model": { input: 10, output: 10, maxOutputTokens: 1000 } };
/** What the server bills for every call: 1000 prompt + 500 output tokens at 10 USD per million = 0.015 USD. */
const USAGE = { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 };
const CALL_USD = 0.015;
const EPISODES = 8;
const MAX_STEPS = 8;
/** Room for 20 calls as billed, far less than the 64 the episodes would make unbounded. */
const BUDGET_USD = 20 * CALL_USD;

const LS = "DISCUSSION\nlook around\n```\nls\n```";

function completion(content: string) {
  return {
    id: "chatcmpl-batch",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "billed-model",
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
    usage: USAGE,
  };
}

interface Episode {
  exitStatus: string;
  traj: TrajectoryFile;
  results: ResultsFile;
}

/**
 * `EPISODES` episodes of the tiny Python task at once, all billed by one loopback server, sharing one ledger: each
 * episode's handle on it comes from `connect` and is closed after the episode.
 */
async function concurrentEpisodes(connect: () => Promise<Ledger>) {
  const server = await FakeServer.start({ json: completion(LS) });
  const root = mkdtempSync(join(tmpdir(), "mlgym-budget-"));
  try {
    const config = loadAgentConfig();
    const episodes = await Promise.all(
      Array.from({ length: EPISODES }, async (_, i): Promise<Episode> => {
        const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS], maxSteps: MAX_STEPS });
        const model = new OpenAIModel("billed-model", {
          baseUrl: `${server.url}/v1`,
          env: {},
          prices: PRICES,
        });
        const outputDir = mkdtempSync(join(root, `episode-${i}-`));
        const ledger = await connect();
        try {
          const result = await runAgent({ env, model, config, outputDir, ledger });
          assert.ok(
            existsSync(result.trajectoryFile) && existsSync(result.resultsFile),
            `episode ${i}'s files`,
          );
          return {
            exitStatus: result.exitStatus,
            traj: JSON.parse(readFileSync(result.trajectoryFile, "utf8")) as TrajectoryFile,
            results: JSON.parse(readFileSync(result.resultsFile, "utf8")) as ResultsFile,
          };
        } finally {
          await env.close();
          await ledger.close();
        }
      }),
    );
    return { episodes, billedUsd: server.requests.length * CALL_USD, calls: server.requests.length };
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** What must hold of any batch that shared `ledger`, whatever the ledger is. */
async function assertWithinBudget(ledger: Ledger, run: Awaited<ReturnType<typeof concurrentEpisodes>>) {
  const { episodes, billedUsd, calls } = run;
  assert.ok(calls > EPISODES, `the episodes worked before the budget ran out (${calls} calls)`);
  assert.ok(billedUsd <= BUDGET_USD + 1e-9, `billed ${billedUsd} USD over a budget of ${BUDGET_USD} USD`);

  const state = await ledger.state();
  assert.ok(Math.abs(state.spentUsd - billedUsd) < 1e-6, `ledger ${state.spentUsd} vs billed ${billedUsd}`);
  assert.equal(state.reservedUsd, 0, "every reservation was settled");
  assert.equal(state.exhausted, true);

  const recorded = episodes.reduce((sum, e) => sum + e.traj.info.model_stats.total_cost, 0);
  assert.ok(Math.abs(recorded - billedUsd) < 1e-9, `the trajectories record ${recorded} USD`);

  const stopped = episodes.filter((e) => e.traj.info.batch_budget_exhausted);
  assert.ok(stopped.length >= 1, "at least one episode was stopped by the batch budget");
  for (const e of stopped) {
    assert.equal(e.exitStatus, "autosubmission (exit_cost)");
    const last = e.traj.trajectory.at(-1)!;
    assert.equal(last.action, "exit_cost");
    assert.match(
      last.thought,
      /^Exit due to cost limit: the batch budget of 0\.3 USD cannot cover the next call/,
    );
    assert.ok(e.results.agent.length >= 1, "its autosubmission was evaluated");
  }
  for (const e of episodes) {
    assert.ok(e.traj.trajectory.length >= 1, "every episode recorded its steps");
    if (!e.traj.info.batch_budget_exhausted) assert.notEqual(e.traj.trajectory.at(-1)?.action, "exit_cost");
  }
  return `${calls} calls billed ${billedUsd.toFixed(3)} of ${BUDGET_USD} USD; ${stopped.length}/${EPISODES} episodes stopped by the budget`;
}

test("concurrent episodes sharing a MemoryLedger end at or under the batch budget", async (t) => {
  const ledger = new MemoryLedger(BUDGET_USD);
  const run = await concurrentEpisodes(async () => ledger);
  t.diagnostic(await assertWithinBudget(ledger, run));
});

test("an unpriced model under a batch budget is a ConfigError before any call, unless allowed", async () => {
  const server = await FakeServer.start({ json: completion(LS) });
  const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS], maxSteps: 1 });
  const outputDir = mkdtempSync(join(tmpdir(), "mlgym-budget-"));
  try {
    const model = new OpenAIModel("my-local-model", { baseUrl: `${server.url}/v1`, env: {} });
    const run = { env, model, config: loadAgentConfig(), outputDir, ledger: new MemoryLedger(1) };
    await assert.rejects(runAgent(run), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, /so the batch budget of 1 USD cannot be enforced/);
      assert.match(e.message, /--allow-unpriced/);
      return true;
    });
    assert.equal(server.requests.length, 0);
    const allowed = await runAgent({ ...run, limits: { allowUnpriced: true } });
    assert.equal(allowed.exitStatus, "autosubmission (max_steps)");
    assert.equal(server.requests.length, 1);
    assert.deepEqual(await run.ledger.state(), {
      limitUsd: 1,
      spentUsd: 0,
      reservedUsd: 0,
      exhausted: false,
    });
  } finally {
    await env.close();
    await server.close();
    rmSync(outputDir, { recursive: true, force: true });
  }
});

test("a call that hangs and is abandoned is charged its worst case", async () => {
  const server = await FakeServer.start({ hang: true });
  const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS], maxSteps: 3 });
  const outputDir = mkdtempSync(join(tmpdir(), "mlgym-budget-"));
  const ledger = new MemoryLedger(1);
  const controller = new AbortController();
  try {
    const model = new OpenAIModel("billed-model", { baseUrl: `${server.url}/v1`, env: {}, prices: PRICES });
    const running = runAgent({
      env,
      model,
      config: loadAgentConfig(),
      outputDir,
      ledger,
      signal: controller.signal,
    });
    while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const inFlight = await ledger.state();
    assert.ok(
      inFlight.reservedUsd > CALL_USD,
      `the worst case is held while the call runs: ${inFlight.reservedUsd}`,
    );
    controller.abort();
    const result = await running;
    assert.equal(result.exitStatus, "autosubmission (exit_interrupted)");
    const end = await ledger.state();
    assert.equal(end.reservedUsd, 0);
    assert.equal(
      end.spentUsd,
      inFlight.reservedUsd,
      "the abandoned call may be billed: its worst case is charged",
    );
  } finally {
    await env.close();
    await server.close();
    rmSync(outputDir, { recursive: true, force: true });
  }
});

const skipRedis = redisSkipReason();

describe("a RedisLedger", { skip: skipRedis }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  test("shared by concurrent episodes (each with its own connection, as workers have) holds the budget", async (t) => {
    const batchId = `budget-${process.pid}`;
    const coordinator = await openLedger(BUDGET_USD, { redisUrl: redis.url, batchId });
    try {
      const run = await concurrentEpisodes(async () => (await RedisLedger.attach(redis.url, batchId))!);
      t.diagnostic(await assertWithinBudget(coordinator, run));
    } finally {
      await coordinator.close();
    }
  });
});
