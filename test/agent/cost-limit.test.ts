import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type AgentLimits, runAgent } from "../../src/agent/agent.js";
import { CostBudget, pricingWarning } from "../../src/agent/budget.js";
import { loadAgentConfig } from "../../src/agent/config.js";
import { make } from "../../src/env/make.js";
import { ConfigError } from "../../src/errors.js";
import { AnthropicModel } from "../../src/models/anthropic.js";
import type { Model } from "../../src/models/model.js";
import { OpenAIModel } from "../../src/models/openai.js";
import { ScriptedModel } from "../../src/models/scripted.js";
import type { TrajectoryFile } from "../../src/trajectory/files.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { FakeServer, type Reply } from "../models/fake-server.js";

const LS = "DISCUSSION\nlook around\n```\nls\n```";

function completion(content: string, usage: { input: number; output: number }) {
  return {
    id: "chatcmpl-cost",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o-mini",
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    },
  };
}

function anthropicMessage(text: string, usage: { input: number; output: number }) {
  return {
    id: "msg_cost",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-20250514",
    content: [{ type: "text", text }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: usage.input, output_tokens: usage.output },
  };
}

/** One episode of the tiny Python task with `model` under `limits`; the recorded trajectory. */
async function episode(model: Model, limits: AgentLimits) {
  const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS], maxSteps: 10 });
  const outputDir = mkdtempSync(join(tmpdir(), "mlgym-cost-"));
  try {
    const result = await runAgent({ env, model, config: loadAgentConfig(), outputDir, limits });
    const traj = JSON.parse(readFileSync(result.trajectoryFile, "utf8")) as TrajectoryFile;
    return { result, traj };
  } finally {
    await env.close();
  }
}

async function withServer<T>(replies: Reply[], run: (server: FakeServer) => Promise<T>): Promise<T> {
  const server = await FakeServer.start(...replies);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

test("a provider reporting more than the worst case ends the episode at once with exit_cost", async () => {
  // 10M prompt + 20M output tokens of gpt-4o-mini: 1.5 + 12 = 13.5 USD, against a 0.5 USD limit.
  const huge = { json: completion(LS, { input: 10_000_000, output: 20_000_000 }) };
  await withServer([huge], async (server) => {
    const model = new OpenAIModel("gpt-4o-mini", { baseUrl: `${server.url}/v1`, env: {} });
    const { result, traj } = await episode(model, { costLimitUsd: 0.5 });
    assert.equal(server.requests.length, 1, "no call after the overrun");
    assert.equal(result.exitStatus, "autosubmission (exit_cost)");
    assert.equal(traj.trajectory.length, 1, "the answer's action is not run");
    assert.equal(traj.trajectory[0]?.action, "exit_cost");
    assert.match(traj.trajectory[0]!.thought, /^Exit due to cost limit: the provider reported 13\.5000 USD/);
    assert.ok(Math.abs(traj.info.model_stats.total_cost - 13.5) < 1e-9, "the reported cost is recorded");
    assert.equal(traj.info.model_stats.api_calls, 1);
    const overrun = traj.info.cost_overrun!;
    assert.equal(overrun.reported_usd, 13.5);
    assert.equal(overrun.limit_usd, 0.5);
    const sentCap = server.requests[0]!.body.max_tokens;
    assert.equal(typeof sentCap, "number", "the output cap is sent");
    assert.ok(
      overrun.reserved_usd >= ((sentCap as number) * 0.6) / 1e6,
      "the reservation covers the cap sent",
    );
    assert.ok(overrun.reserved_usd <= 0.5);
  });
});

test("the Anthropic backend sends the cap it reserves for, and an overrun ends the episode the same way", async () => {
  const huge = { json: anthropicMessage(LS, { input: 1_000_000, output: 1_000_000 }) };
  await withServer([huge], async (server) => {
    const model = new AnthropicModel("claude-sonnet-4-20250514", { baseUrl: server.url, env: {} });
    const { result, traj } = await episode(model, { costLimitUsd: 2 });
    assert.equal(server.requests.length, 1);
    assert.equal(result.exitStatus, "autosubmission (exit_cost)");
    assert.equal(server.requests[0]!.body.max_tokens, 64_000);
    assert.ok(traj.info.cost_overrun!.reserved_usd >= (64_000 * 15) / 1e6);
    assert.equal(traj.info.model_stats.total_cost, 18);
  });
});

test("a call whose worst case would cross the limit is never sent", async () => {
  await withServer([{ json: completion(LS, { input: 10, output: 10 }) }], async (server) => {
    // gpt-4o's output cap alone (16384 tokens at 10 USD per million) is worth 0.16 USD.
    const model = new OpenAIModel("gpt-4o", { baseUrl: `${server.url}/v1`, env: {} });
    const { result, traj } = await episode(model, { costLimitUsd: 0.1 });
    assert.equal(server.requests.length, 0);
    assert.equal(result.exitStatus, "autosubmission (exit_cost)");
    assert.equal(traj.trajectory[0]?.thought, "Exit due to cost limit");
    assert.equal(traj.info.model_stats.total_cost, 0);
    assert.equal(traj.info.cost_overrun, undefined);
  });
});

test("honest usage keeps the episode going, and every call carries the output cap", async () => {
  const replies = [LS, "DISCUSSION\ndone\n```\nsubmit\n```"].map((c) => ({
    json: completion(c, { input: 2000, output: 50 }),
  }));
  await withServer(replies, async (server) => {
    const model = new OpenAIModel("gpt-4o-mini", { baseUrl: `${server.url}/v1`, env: {} });
    const { result, traj } = await episode(model, { costLimitUsd: 0.5 });
    assert.equal(result.exitStatus, "submitted");
    assert.equal(server.requests.length, 2);
    for (const request of server.requests) assert.equal(request.body.max_tokens, 16_384);
    assert.ok(Math.abs(traj.info.model_stats.total_cost - (2 * (2000 * 0.15 + 50 * 0.6)) / 1e6) < 1e-12);
    assert.equal(traj.info.cost_unknown, undefined);
  });
});

test("an unpriced model under a cost limit is a ConfigError pointing to --prices, before any call", async () => {
  await withServer([{ json: completion(LS, { input: 10, output: 10 }) }], async (server) => {
    const model = new OpenAIModel("my-local-model", { baseUrl: `${server.url}/v1`, env: {} });
    await assert.rejects(episode(model, { costLimitUsd: 1 }), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.field, "--model");
      assert.match(e.message, /no price is known for openai:my-local-model/);
      assert.match(e.message, /--prices FILE \('my-local-model: \{input: USD, output: USD\}'/);
      assert.match(e.message, /--allow-unpriced/);
      return true;
    });
    assert.equal(server.requests.length, 0);
  });
});

test("with --allow-unpriced the episode runs, warned, and its cost is recorded as unknown", async () => {
  const replies = [{ json: completion("DISCUSSION\ndone\n```\nsubmit\n```", { input: 10, output: 10 }) }];
  await withServer(replies, async (server) => {
    const model = new OpenAIModel("my-local-model", { baseUrl: `${server.url}/v1`, env: {} });
    const limits = { costLimitUsd: 1, allowUnpriced: true };
    assert.match(pricingWarning(model, limits)!, /^WARNING: .*openai:my-local-model.*NOT enforced/);
    const { result, traj } = await episode(model, limits);
    assert.equal(result.exitStatus, "submitted");
    assert.equal(traj.info.cost_unknown, true);
    assert.equal(traj.info.model_stats.total_cost, 0);
  });
  assert.match(
    pricingWarning(new OpenAIModel("my-local-model", { baseUrl: "http://127.0.0.1:9/v1", env: {} }))!,
    /cost is recorded as unknown/,
    "without a limit: a note, not an error",
  );
  assert.equal(
    pricingWarning(new ScriptedModel([]), { costLimitUsd: 1 }),
    undefined,
    "scripted models are free",
  );
});

test("the budget charges reports, falls back to the reservation when none is reported, and flags overruns", () => {
  const budget = new CostBudget(1);
  assert.equal(budget.reserve(0.4), true);
  assert.equal(budget.settle(0.1), undefined);
  assert.equal(budget.reserve(0.4), true);
  assert.equal(budget.settle(undefined), undefined, "no usage reported: the worst case is charged");
  assert.ok(Math.abs(budget.spent - 0.5) < 1e-12);
  assert.equal(budget.reserve(0.6), false, "0.5 + 0.6 would cross 1");
  assert.equal(budget.reserve(0.5), true);
  assert.deepEqual(budget.settle(0.7), { reserved_usd: 0.5, reported_usd: 0.7, limit_usd: 1 });
  const free = new CostBudget(1);
  assert.equal(free.reserve(undefined), true);
  assert.deepEqual(free.settle(0.2), { reserved_usd: 0, reported_usd: 0.2, limit_usd: 1 }, "unreserved cost");
});
