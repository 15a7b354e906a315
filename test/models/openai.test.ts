import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, ContextWindowError } from "../../src/errors.js";
import type { ToolCall } from "../../src/models/model.js";
import { OpenAIModel } from "../../src/models/openai.js";
import { createModel } from "../../src/models/registry.js";
import { describeBackend } from "./backend-suite.js";
import { FakeServer, type Reply } from "./fake-server.js";

function completion(content: string, usage: { input: number; output: number }, toolCalls?: ToolCall[]) {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o-2024-08-06",
    choices: [
      {
        index: 0,
        finish_reason: toolCalls ? "tool_calls" : "stop",
        message: {
          role: "assistant",
          content,
          ...(toolCalls
            ? {
                tool_calls: toolCalls.map((call) => ({
                  id: call.id,
                  type: "function",
                  function: { name: call.name, arguments: JSON.stringify(call.arguments) },
                })),
              }
            : {}),
        },
      },
    ],
    usage: {
      prompt_tokens: usage.input,
      completion_tokens: usage.output,
      total_tokens: usage.input + usage.output,
    },
  };
}

const error = (message: string, code: string | null = null, param: string | null = null) => ({
  error: { message, type: "invalid_request_error", param, code },
});

describeBackend({
  name: "openai",
  keyVar: "OPENAI_API_KEY",
  path: "/v1/chat/completions",
  model: "gpt-4o",
  price: { input: 2.5, output: 10 },
  create: (url, options) => new OpenAIModel("gpt-4o", { baseUrl: `${url}/v1`, env: {}, ...options }),
  ok: completion,
  error: (message) => error(message),
  contextError: {
    status: 400,
    json: error(
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.",
      "context_length_exceeded",
      "messages",
    ),
  },
  sentMaxTokens: (body) => body.max_tokens,
  sentTools: (body) => (body.tools as { function: { name: string } }[]).map((tool) => tool.function.name),
});

const MESSAGES = [{ role: "user" as const, content: "hello" }];

async function withServer(replies: Reply[], run: (server: FakeServer) => Promise<void>): Promise<void> {
  const server = await FakeServer.start(...replies);
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe("openai backend", () => {
  it("needs OPENAI_API_KEY for the official API, and says so", () => {
    assert.throws(
      () => new OpenAIModel("gpt-4o", { env: {} }),
      (thrown: unknown) => {
        assert.ok(thrown instanceof ConfigError);
        assert.equal(thrown.field, "OPENAI_API_KEY");
        assert.match(thrown.message, /OPENAI_API_KEY: is not set/);
        return true;
      },
    );
    assert.throws(() => createModel("openai:gpt-4o", {}), ConfigError);
  });

  it("talks to OPENAI_BASE_URL with a placeholder key when a local server needs none", async () => {
    await withServer([{ json: completion("hi", { input: 3, output: 1 }) }], async (server) => {
      const model = new OpenAIModel("llama3", { env: { OPENAI_BASE_URL: `${server.url}/v1` } });
      const answer = await model.query(MESSAGES, { temperature: 0, topP: 0.95 });
      assert.equal(answer.content, "hi");
      assert.equal(answer.costUsd, undefined, "unknown models have no cost");
      assert.equal(model.maxCostUsd(MESSAGES), undefined);
      assert.equal(model.costUnknown, true, "so a cost limit cannot hold without --prices");
      assert.equal(model.contextWindow, undefined);
      const request = server.requests[0]!;
      assert.equal(request.headers.authorization, "Bearer no-key-needed");
      assert.equal(request.body.temperature, 0);
      assert.equal(request.body.top_p, 0.95);
      assert.equal(request.body.max_tokens, undefined, "no cap is invented for unknown models");
      assert.deepEqual(request.body.messages, MESSAGES);
    });
  });

  it("is registered as openai:<name> and sends the given key", async () => {
    await withServer([{ json: completion("hi", { input: 3, output: 1 }) }], async (server) => {
      const model = createModel("openai:gpt-4o-mini-2024-07-18", {
        baseUrl: `${server.url}/v1`,
        apiKey: "sk-test",
      });
      assert.equal(model.id, "openai:gpt-4o-mini-2024-07-18");
      assert.equal(model.contextWindow, 128_000, "a dated snapshot is priced as its base model");
      await model.query(MESSAGES);
      assert.equal(server.requests[0]!.headers.authorization, "Bearer sk-test");
      assert.equal(server.requests[0]!.body.max_tokens, 16_384, "priced models get the table's output cap");
    });
  });

  it("uses user prices for models the table lacks", async () => {
    await withServer(
      [{ json: completion("hi", { input: 1_000_000, output: 1_000_000 }) }],
      async (server) => {
        const model = createModel("openai:my-finetune", {
          baseUrl: `${server.url}/v1`,
          prices: { "my-finetune": { input: 1, output: 2 } },
        });
        const answer = await model.query(MESSAGES);
        assert.equal(answer.costUsd, 3);
        assert.equal(
          server.requests[0]!.body.max_tokens,
          4096,
          "the default cap keeps the budget bound true",
        );
      },
    );
  });

  it("does not send temperature/top_p to reasoning models", async () => {
    await withServer([{ json: completion("hi", { input: 3, output: 1 }) }], async (server) => {
      await new OpenAIModel("o3-mini", { baseUrl: `${server.url}/v1`, env: {} }).query(MESSAGES, {
        temperature: 0,
      });
      assert.equal(server.requests[0]!.body.temperature, undefined);
    });
  });

  it("drops temperature once a model says it does not support it, and remembers", async () => {
    const refusal: Reply = {
      status: 400,
      json: error(
        "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.",
        "unsupported_value",
        "temperature",
      ),
    };
    const ok: Reply = { json: completion("hi", { input: 3, output: 1 }) };
    await withServer([refusal, ok, ok], async (server) => {
      const model = new OpenAIModel("gpt-9", {
        baseUrl: `${server.url}/v1`,
        env: {},
        retry: { maxRetries: 0 },
      });
      assert.equal((await model.query(MESSAGES, { temperature: 0 })).content, "hi");
      await model.query(MESSAGES, { temperature: 0 });
      assert.deepEqual(
        server.requests.map((request) => request.body.temperature),
        [0, undefined, undefined],
      );
    });
  });

  it("recognises vLLM's and llama.cpp's context errors, which carry no code", async () => {
    const answers: Reply[] = [
      {
        status: 400,
        json: {
          object: "error",
          message:
            "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens (4000 in the messages, 1000 in the completion).",
          type: "BadRequestError",
          code: 400,
        },
      },
      {
        status: 400,
        json: error(
          "the request exceeds the available context size, try increasing it",
          "exceed_context_size_error",
        ),
      },
    ];
    for (const answer of answers) {
      await withServer([answer], async (server) => {
        const model = new OpenAIModel("local", { baseUrl: `${server.url}/v1`, env: {} });
        await assert.rejects(model.query(MESSAGES), ContextWindowError);
      });
    }
  });

  it("keeps a tool call's invalid JSON arguments for the agent to report", async () => {
    const answer = completion("", { input: 3, output: 1 });
    answer.choices[0]!.message = {
      role: "assistant",
      content: null as unknown as string,
      tool_calls: [{ id: "c1", type: "function", function: { name: "edit", arguments: '{"start": 1,' } }],
    } as (typeof answer.choices)[0]["message"];
    await withServer([{ json: answer }], async (server) => {
      const model = new OpenAIModel("local", { baseUrl: `${server.url}/v1`, env: {} });
      const result = await model.query(MESSAGES);
      assert.equal(result.content, "");
      assert.deepEqual(result.toolCalls, [
        { id: "c1", name: "edit", arguments: { _unparsed: '{"start": 1,' } },
      ]);
    });
  });
});

describe("openai backend: token log-probabilities (vLLM)", () => {
  const vllmAnswer = (content: string) => ({
    ...completion(content, { input: 5, output: 3 }),
    prompt_token_ids: [101, 7, 8, 9, 102],
    choices: [
      {
        index: 0,
        finish_reason: "stop",
        message: { role: "assistant", content },
        logprobs: {
          content: [
            { token: "ls", logprob: -0.25, top_logprobs: [] },
            { token: " -", logprob: -1.5, top_logprobs: [] },
            { token: "la", logprob: -0.125, top_logprobs: [] },
          ],
        },
        token_ids: [4, 5, 6],
      },
    ],
  });

  it("with logprobs on, asks for them and returns tokens, log-probabilities and the prompt's and answer's ids", async () => {
    const server = await FakeServer.start({ json: vllmAnswer("ls -la") });
    try {
      const model = new OpenAIModel("qwen", { baseUrl: `${server.url}/v1`, logprobs: true });
      const answer = await model.query([{ role: "user", content: "hi" }]);
      assert.equal(server.requests[0]!.body.logprobs, true);
      assert.equal(server.requests[0]!.body.return_token_ids, true);
      assert.deepEqual(answer.logprobs, {
        logprobs: [-0.25, -1.5, -0.125],
        tokens: ["ls", " -", "la"],
        token_ids: [4, 5, 6],
        prompt_token_ids: [101, 7, 8, 9, 102],
      });
    } finally {
      await server.close();
    }
  });

  it("reads ids from tokens written token_id:<n>, and records nothing when the server sent no log-probabilities", async () => {
    const asIds = vllmAnswer("x");
    const choice = asIds.choices[0]!;
    choice.logprobs.content = choice.logprobs.content.map((c, i) => ({ ...c, token: `token_id:${40 + i}` }));
    delete (choice as { token_ids?: number[] }).token_ids;
    const server = await FakeServer.start(
      { json: asIds },
      { json: completion("plain", { input: 1, output: 1 }) },
    );
    try {
      const model = new OpenAIModel("qwen", { baseUrl: `${server.url}/v1`, logprobs: true });
      assert.deepEqual(
        (await model.query([{ role: "user", content: "a" }])).logprobs?.token_ids,
        [40, 41, 42],
      );
      assert.equal((await model.query([{ role: "user", content: "b" }])).logprobs, undefined);
    } finally {
      await server.close();
    }
  });

  it("with logprobs off (the default), asks for none and ignores any the server sends", async () => {
    const server = await FakeServer.start({ json: vllmAnswer("ls") });
    try {
      const model = new OpenAIModel("qwen", { baseUrl: `${server.url}/v1` });
      const answer = await model.query([{ role: "user", content: "hi" }]);
      assert.equal(server.requests[0]!.body.logprobs, undefined);
      assert.equal(server.requests[0]!.body.return_token_ids, undefined);
      assert.equal(answer.logprobs, undefined);
    } finally {
      await server.close();
    }
  });
});
