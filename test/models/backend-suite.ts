import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ContextWindowError, ModelError } from "../../src/errors.js";
import type { ChatMessage, Model, ToolCall, ToolSpec } from "../../src/models/model.js";
import type { RetryPolicy } from "../../src/models/retry.js";
import { FakeServer, type Reply } from "./fake-server.js";

/** Options every fixture's `create` understands (a subset of both backends' options). */
export interface FixtureOptions {
  timeoutMs?: number;
  maxRetries?: number;
  retry?: Partial<RetryPolicy>;
  log?: (line: string) => void;
}

/** How one provider's protocol looks, so the same scenarios run against every real backend. */
export interface BackendFixture {
  name: string;
  /** Path the client posts to. */
  path: string;
  /** The environment variable a failed authentication tells the user to check. */
  keyVar: string;
  /** A model in the built-in price table, and its prices. */
  model: string;
  price: { input: number; output: number };
  create(baseUrl: string, options: FixtureOptions): Model;
  /** A successful answer body. */
  ok(content: string, usage: { input: number; output: number }, toolCalls?: ToolCall[]): unknown;
  /** An error body in the provider's format. */
  error(message: string): unknown;
  /** The provider's answer to a prompt over the context window. */
  contextError: { status: number; json: unknown };
  /** The output cap the client sent, from a recorded request body. */
  sentMaxTokens(body: Record<string, unknown>): unknown;
  /** Names of the tools the client sent. */
  sentTools(body: Record<string, unknown>): string[];
}

/** Fast retries: no test waits more than a few tens of milliseconds per retry. */
const FAST: Partial<RetryPolicy> = { baseDelayMs: 1, maxDelayMs: 20, unreachableDelayMs: 1 };

const MESSAGES: ChatMessage[] = [
  { role: "system", content: "You are a careful ML researcher." },
  { role: "user", content: "Train a better model." },
];

async function withServer<T>(replies: Reply[], run: (server: FakeServer) => Promise<T>): Promise<T> {
  const server = await FakeServer.start(...replies);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected the call to fail");
}

/** The conformance suite of a real model backend, run over HTTP against a loopback fake of its provider. */
export function describeBackend(fixture: BackendFixture): void {
  const { ok, price } = fixture;
  const create = (server: FakeServer, options: FixtureOptions = {}) =>
    fixture.create(server.url, { log: () => {}, ...options, retry: { ...FAST, ...options.retry } });

  describe(`${fixture.name} backend (conformance)`, () => {
    it("returns the answer with usage and its cost from the price table", async () => {
      await withServer(
        [{ json: ok("I will read the baseline.", { input: 1200, output: 80 }) }],
        async (server) => {
          const model = create(server);
          const answer = await model.query(MESSAGES);
          assert.equal(answer.content, "I will read the baseline.");
          assert.deepEqual(answer.usage, { inputTokens: 1200, outputTokens: 80 });
          assert.ok(answer.costUsd !== undefined);
          assert.ok(Math.abs(answer.costUsd - (1200 * price.input + 80 * price.output) / 1e6) < 1e-12);
          assert.equal(server.requests.length, 1);
          assert.equal(server.requests[0]!.path, fixture.path);
          assert.equal(server.requests[0]!.body.model, fixture.model);
          assert.ok(model.contextWindow && model.contextWindow > 0);
        },
      );
    });

    it("sends the output cap that maxCostUsd charges for, so the budget check is an upper bound", async () => {
      await withServer([{ json: ok("ok", { input: 10, output: 1 }) }], async (server) => {
        const model = create(server);
        const bound = model.maxCostUsd!(MESSAGES, { maxOutputTokens: 500 });
        await model.query(MESSAGES, { maxOutputTokens: 500 });
        assert.equal(fixture.sentMaxTokens(server.requests[0]!.body), 500);
        assert.ok(bound !== undefined && bound >= (500 * price.output) / 1e6);
        assert.ok(bound < (500 * price.output + 1000 * price.input) / 1e6, "the prompt estimate stays sane");
      });
    });

    it("sends its default output cap too, and maxCostUsd charges for that cap", async () => {
      await withServer([{ json: ok("ok", { input: 10, output: 1 }) }], async (server) => {
        const model = create(server);
        const bound = model.maxCostUsd!(MESSAGES);
        await model.query(MESSAGES);
        const sent = fixture.sentMaxTokens(server.requests[0]!.body);
        assert.equal(typeof sent, "number", "an output cap is always sent for a priced model");
        assert.ok(bound !== undefined && bound >= ((sent as number) * price.output) / 1e6);
        assert.equal(model.costUnknown, false);
      });
    });

    it("waits as long as a 429's Retry-After says (scaled down), then succeeds", async () => {
      const limited: Reply = {
        status: 429,
        headers: { "retry-after": "2" },
        json: fixture.error("slow down"),
      };
      await withServer([limited, { json: ok("done", { input: 5, output: 1 }) }], async (server) => {
        const answer = await create(server, { retry: { delayScale: 0.05, maxDelayMs: 60_000 } }).query(
          MESSAGES,
        );
        assert.equal(answer.content, "done");
        assert.equal(server.requests.length, 2);
        const waited = server.requests[1]!.at - server.requests[0]!.at;
        assert.ok(waited >= 95, `waited ${waited} ms, Retry-After 2 s x 0.05 = 100 ms`);
        assert.ok(waited < 1000, `waited ${waited} ms: the scale applies`);
      });
    });

    it("retries 500s until the retries run out, then throws ModelError{status 500, retryable}", async () => {
      await withServer([{ status: 500, json: fixture.error("internal error") }], async (server) => {
        const error = await rejection(create(server, { maxRetries: 2 }).query(MESSAGES));
        assert.ok(error instanceof ModelError, String(error));
        assert.equal(error.status, 500);
        assert.equal(error.retryable, true);
        assert.match(error.message, /internal error.*gave up after 3 attempts/);
        assert.equal(server.requests.length, 3);
      });
    });

    it("does not retry a 401", async () => {
      await withServer([{ status: 401, json: fixture.error("invalid x-api-key") }], async (server) => {
        const error = await rejection(create(server, { maxRetries: 3 }).query(MESSAGES));
        assert.ok(error instanceof ModelError);
        assert.equal(error.status, 401);
        assert.equal(error.retryable, false);
        assert.match(error.message, /invalid x-api-key/);
        assert.equal(server.requests.length, 1);
      });
    });

    it("times out a hung connection, retries it, then throws a retryable ModelError", async () => {
      await withServer([{ hang: true }], async (server) => {
        const started = performance.now();
        const error = await rejection(create(server, { timeoutMs: 100, maxRetries: 1 }).query(MESSAGES));
        assert.ok(error instanceof ModelError, String(error));
        assert.equal(error.retryable, true);
        assert.equal(error.status, undefined);
        assert.match(error.message, /within 100 ms/);
        assert.equal(server.requests.length, 2);
        assert.ok(performance.now() - started < 3000);
      });
    });

    it("retries a refused connection, then names the server and the cause", async () => {
      const server = await FakeServer.start();
      await server.close();
      const error = await rejection(create(server, { maxRetries: 1 }).query(MESSAGES));
      assert.ok(error instanceof ModelError, String(error));
      assert.equal(error.retryable, true);
      assert.match(
        error.message,
        /cannot reach http:\/\/127\.0\.0\.1:\d+.*ECONNREFUSED.*gave up after 2 attempts/,
      );
    });

    it("retries a connection that breaks mid-answer", async () => {
      await withServer(
        [{ drop: true }, { json: ok("second time lucky", { input: 5, output: 3 }) }],
        async (server) => {
          const answer = await create(server).query(MESSAGES);
          assert.equal(answer.content, "second time lucky");
          assert.equal(server.requests.length, 2);
        },
      );
    });

    it("treats malformed JSON as a retryable ModelError", async () => {
      await withServer([{ raw: '{"id": "x", "content": [' }], async (server) => {
        const error = await rejection(create(server, { maxRetries: 1 }).query(MESSAGES));
        assert.ok(error instanceof ModelError, String(error));
        assert.equal(error.retryable, true);
        assert.match(error.message, /malformed response/);
        assert.equal(server.requests.length, 2);
      });
      await withServer(
        [{ json: { unexpected: true } }, { json: ok("fine", { input: 1, output: 1 }) }],
        async (server) => {
          assert.equal((await create(server).query(MESSAGES)).content, "fine");
        },
      );
    });

    it("turns a context-length answer into ContextWindowError without retrying", async () => {
      await withServer([fixture.contextError], async (server) => {
        const error = await rejection(create(server, { maxRetries: 3 }).query(MESSAGES));
        assert.ok(error instanceof ContextWindowError, String(error));
        assert.equal(error.retryable, false);
        assert.equal(server.requests.length, 1);
      });
    });

    it("sends tools and returns the model's tool calls with parsed arguments", async () => {
      const tools: ToolSpec[] = [
        {
          name: "open",
          description: "Open a file in the editor",
          parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
        },
      ];
      const call: ToolCall = { id: "call_1", name: "open", arguments: { path: "train.py" } };
      await withServer([{ json: ok("Let me look.", { input: 50, output: 9 }, [call]) }], async (server) => {
        const answer = await create(server).query(MESSAGES, { tools });
        assert.deepEqual(fixture.sentTools(server.requests[0]!.body), ["open"]);
        assert.deepEqual(answer.toolCalls, [call]);
        assert.equal(answer.content, "Let me look.");
      });
    });

    it("stops at once when the caller aborts", async () => {
      await withServer([{ hang: true }], async (server) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 50);
        const error = await rejection(
          create(server, { maxRetries: 5 }).query(MESSAGES, { signal: controller.signal }),
        );
        assert.ok(error instanceof ModelError, String(error));
        assert.equal(error.retryable, false);
        assert.equal(server.requests.length, 1);
      });
    });

    it("fails within seconds on a refused connection with the default policy, printing each retry", async () => {
      const server = await FakeServer.start();
      await server.close();
      const lines: string[] = [];
      const started = performance.now();
      const model = fixture.create(server.url, { log: (line) => lines.push(line) });
      const error = await rejection(model.query(MESSAGES));
      const elapsed = performance.now() - started;
      assert.ok(error instanceof ModelError, String(error));
      assert.equal(error.infrastructure, "api_unreachable");
      assert.match(error.message, new RegExp(`cannot reach ${server.url}`));
      assert.match(error.message, /ECONNREFUSED/);
      assert.match(error.message, /check --base-url/);
      assert.ok(elapsed < 10_000, `gave up after ${elapsed} ms`);
      assert.ok(lines.length >= 1, "each retry is printed");
      assert.match(lines[0]!, /^mlgym: model API: .*cannot reach .* — retry 1\/\d+ in \d+\.\d s$/);
    });

    it("fails at once on an unknown host, as unreachable", async () => {
      const model = fixture.create("http://no-such-host.invalid:8000", {
        log: () => {},
        retry: FAST,
      });
      const error = await rejection(model.query(MESSAGES));
      assert.ok(error instanceof ModelError, String(error));
      assert.equal(error.infrastructure, "api_unreachable");
      assert.match(error.message, /no-such-host\.invalid/);
      assert.match(error.message, /ENOTFOUND|EAI_AGAIN/);
    });

    it("fails at once on 401/403 as an auth failure naming the key to set", async () => {
      for (const status of [401, 403]) {
        await withServer([{ status, json: fixture.error("invalid api key") }], async (server) => {
          const lines: string[] = [];
          const error = await rejection(create(server, { log: (line) => lines.push(line) }).query(MESSAGES));
          assert.ok(error instanceof ModelError, String(error));
          assert.equal(error.infrastructure, "api_auth");
          assert.equal(server.requests.length, 1);
          assert.deepEqual(lines, []);
          assert.match(error.message, new RegExp(`${fixture.model} at ${server.url}.* answered ${status}`));
          assert.match(error.message, /invalid api key/);
          assert.match(error.message, new RegExp(fixture.keyVar));
        });
      }
    });

    it("fails at once on a 404 'model does not exist', naming the model and what to check", async () => {
      const missing: Reply = {
        status: 404,
        json: fixture.error(`The model \`${fixture.model}\` does not exist or you do not have access to it.`),
      };
      await withServer([missing], async (server) => {
        const error = await rejection(create(server, { maxRetries: 3 }).query(MESSAGES));
        assert.ok(error instanceof ModelError, String(error));
        assert.equal(error.infrastructure, "model_not_found");
        assert.equal(error.retryable, false);
        assert.equal(server.requests.length, 1);
        assert.match(error.message, /does not exist/);
        assert.match(error.message, new RegExp(`check the model name '${fixture.model}'`));
      });
    });

    it("takes a 400 worded as an unknown model (Ollama, LiteLLM) for model_not_found", async () => {
      await withServer(
        [{ status: 400, json: fixture.error(`model '${fixture.model}' not found, try pulling it first`) }],
        async (server) => {
          const error = await rejection(create(server, { maxRetries: 3 }).query(MESSAGES));
          assert.ok(error instanceof ModelError, String(error));
          assert.equal(error.infrastructure, "model_not_found");
          assert.equal(server.requests.length, 1);
        },
      );
    });

    it("reports api_error when retries run out on 429/5xx or malformed answers, printing each retry", async () => {
      const cases: Reply[] = [
        { status: 429, json: fixture.error("rate limited") },
        { status: 503, json: fixture.error("overloaded") },
        { raw: "<html>bad gateway</html>" },
      ];
      for (const reply of cases) {
        await withServer([reply], async (server) => {
          const lines: string[] = [];
          const error = await rejection(
            create(server, { maxRetries: 2, log: (line) => lines.push(line) }).query(MESSAGES),
          );
          assert.ok(error instanceof ModelError, String(error));
          assert.equal(error.infrastructure, "api_error", error.message);
          assert.equal(server.requests.length, 3);
          assert.equal(lines.length, 2);
          assert.match(lines[1]!, /— retry 2\/2 in /);
          assert.match(error.message, /gave up after 3 attempts\) — the provider kept failing/);
        });
      }
    });
  });
}
