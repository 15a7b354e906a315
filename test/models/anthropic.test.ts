import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, ModelError } from "../../src/errors.js";
import { AnthropicModel, toAnthropicMessages } from "../../src/models/anthropic.js";
import type { ChatMessage, ToolCall } from "../../src/models/model.js";
import { createModel } from "../../src/models/registry.js";
import { describeBackend } from "./backend-suite.js";
import { FakeServer, type Reply } from "./fake-server.js";

interface Usage {
  input: number;
  output: number;
  cacheWrite?: number;
  cacheRead?: number;
}

function message(text: string, usage: Usage, toolCalls?: ToolCall[]) {
  return {
    id: "msg_01",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-20250514",
    content: [
      ...(text ? [{ type: "text", text }] : []),
      ...(toolCalls ?? []).map((call) => ({
        type: "tool_use",
        id: call.id,
        name: call.name,
        input: call.arguments,
      })),
    ],
    stop_reason: toolCalls ? "tool_use" : "end_turn",
    stop_sequence: null,
    usage: {
      input_tokens: usage.input,
      output_tokens: usage.output,
      cache_creation_input_tokens: usage.cacheWrite ?? 0,
      cache_read_input_tokens: usage.cacheRead ?? 0,
    },
  };
}

const error = (message: string, type = "invalid_request_error") => ({
  type: "error",
  error: { type, message },
});

describeBackend({
  name: "anthropic",
  keyVar: "ANTHROPIC_API_KEY",
  path: "/v1/messages",
  model: "claude-sonnet-4-20250514",
  price: { input: 3, output: 15 },
  create: (url, options) =>
    new AnthropicModel("claude-sonnet-4-20250514", { baseUrl: url, env: {}, ...options }),
  ok: message,
  error: (text) => error(text),
  contextError: { status: 400, json: error("prompt is too long: 215734 tokens > 200000 maximum") },
  sentMaxTokens: (body) => body.max_tokens,
  sentTools: (body) => (body.tools as { name: string }[]).map((tool) => tool.name),
});

async function withServer(replies: Reply[], run: (server: FakeServer) => Promise<void>): Promise<void> {
  const server = await FakeServer.start(...replies);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe("anthropic backend", () => {
  it("moves leading system messages to `system` and merges same-role neighbours", () => {
    const messages: ChatMessage[] = [
      { role: "system", content: "You are an agent." },
      { role: "system", content: "Use one command per turn." },
      { role: "user", content: "Task: improve the baseline." },
      { role: "user", content: "Observation: (empty)" },
      { role: "assistant", content: "ls" },
      { role: "system", content: "Reminder: 3 steps left." },
      { role: "user", content: "" },
    ];
    assert.deepEqual(toAnthropicMessages(messages), {
      system: "You are an agent.\n\nUse one command per turn.",
      turns: [
        { role: "user", content: "Task: improve the baseline.\n\nObservation: (empty)" },
        { role: "assistant", content: "ls" },
        { role: "user", content: "Reminder: 3 steps left." },
      ],
    });
    assert.deepEqual(toAnthropicMessages([{ role: "user", content: " " }]).turns, [
      { role: "user", content: "(empty)" },
    ]);
  });

  it("sends system, max_tokens from the price table and the key; ignores sampling options", async () => {
    await withServer([{ json: message("ok", { input: 20, output: 2 }) }], async (server) => {
      const model = createModel("anthropic:claude-sonnet-4-20250514", {
        baseUrl: server.url,
        apiKey: "sk-ant-test",
      });
      assert.equal(model.id, "anthropic:claude-sonnet-4-20250514");
      await model.query(
        [
          { role: "system", content: "Be brief." },
          { role: "user", content: "hi" },
        ],
        { temperature: 0, topP: 0.95 },
      );
      const { body, headers } = server.requests[0]!;
      assert.equal(body.system, "Be brief.");
      assert.deepEqual(body.messages, [{ role: "user", content: "hi" }]);
      assert.equal(body.max_tokens, 64_000);
      assert.equal(body.temperature, undefined);
      assert.equal(body.top_p, undefined);
      assert.match(String(headers.authorization ?? headers["x-api-key"]), /sk-ant-test/);
      assert.ok(headers["anthropic-version"], "the client sends its API version");
    });
  });

  it("defaults max_tokens to 4096 for models the table lacks, with no cost", async () => {
    await withServer([{ json: message("ok", { input: 20, output: 2 }) }], async (server) => {
      const model = new AnthropicModel("claude-future-9", { env: { ANTHROPIC_BASE_URL: server.url } });
      const answer = await model.query([{ role: "user", content: "hi" }]);
      assert.equal(server.requests[0]!.body.max_tokens, 4096);
      assert.equal(answer.costUsd, undefined);
      assert.deepEqual(answer.usage, { inputTokens: 20, outputTokens: 2 });
    });
  });

  it("needs ANTHROPIC_API_KEY for the official API", () => {
    assert.throws(
      () => new AnthropicModel("claude-sonnet-4", { env: {} }),
      (thrown: unknown) => {
        assert.ok(thrown instanceof ConfigError);
        assert.equal(thrown.field, "ANTHROPIC_API_KEY");
        return true;
      },
    );
    assert.doesNotThrow(
      () => new AnthropicModel("claude-sonnet-4", { env: { ANTHROPIC_AUTH_TOKEN: "token" } }),
    );
  });

  it("counts prompt-cache tokens as input and prices them at the cache rates", async () => {
    const usage = { input: 1000, output: 100, cacheWrite: 2000, cacheRead: 10_000 };
    await withServer([{ json: message("ok", usage) }], async (server) => {
      const model = new AnthropicModel("claude-sonnet-4", { baseUrl: server.url, env: {} });
      const answer = await model.query([{ role: "user", content: "hi" }]);
      assert.deepEqual(answer.usage, { inputTokens: 13_000, outputTokens: 100 });
      const expected = ((1000 + 2000 * 1.25 + 10_000 * 0.1) * 3 + 100 * 15) / 1e6;
      assert.ok(Math.abs(answer.costUsd! - expected) < 1e-12);
    });
  });

  it("retries 529 overloaded", async () => {
    const overloaded: Reply = { status: 529, json: error("Overloaded", "overloaded_error") };
    await withServer([overloaded, { json: message("back", { input: 1, output: 1 }) }], async (server) => {
      const model = new AnthropicModel("claude-sonnet-4", {
        baseUrl: server.url,
        env: {},
        retry: { baseDelayMs: 1 },
        log: () => {},
      });
      assert.equal((await model.query([{ role: "user", content: "hi" }])).content, "back");
      assert.equal(server.requests.length, 2);
    });
  });

  it("does not retry a 400 that is not about the context", async () => {
    await withServer(
      [{ status: 400, json: error("tools.0.name: String should match pattern") }],
      async (server) => {
        const model = new AnthropicModel("claude-sonnet-4", {
          baseUrl: server.url,
          env: {},
          retry: { baseDelayMs: 1 },
          log: () => {},
        });
        await assert.rejects(model.query([{ role: "user", content: "hi" }]), (thrown: unknown) => {
          assert.ok(thrown instanceof ModelError);
          assert.equal(thrown.constructor, ModelError);
          assert.equal(thrown.status, 400);
          assert.equal(thrown.retryable, false);
          assert.match(
            thrown.message,
            /anthropic:claude-sonnet-4 at http:\/\/127\.0\.0\.1:\d+ answered 400: tools\.0\.name/,
          );
          return true;
        });
        assert.equal(server.requests.length, 1);
      },
    );
  });
});
