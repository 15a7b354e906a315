import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ContextWindowError, ModelError } from "../errors.js";
import {
  defaultRetryPolicy,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
  retryDelayMs,
  withRetry,
} from "./retry.js";

const headers = (values: Record<string, string>) => new Headers(values);

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-06-01T12:00:00Z");
  const cases: [string, Record<string, string>, number | undefined][] = [
    ["seconds", { "retry-after": "7" }, 7],
    ["fractional seconds", { "retry-after": "1.5" }, 1.5],
    ["milliseconds header wins", { "retry-after-ms": "250", "retry-after": "7" }, 0.25],
    ["HTTP date", { "retry-after": "Sun, 01 Jun 2025 12:00:30 GMT" }, 30],
    ["date in the past", { "retry-after": "Sun, 01 Jun 2025 11:00:00 GMT" }, 0],
    ["garbage", { "retry-after": "soon" }, undefined],
    ["absent", {}, undefined],
  ];
  for (const [name, values, expected] of cases) {
    it(name, () => assert.equal(parseRetryAfter(headers(values), now), expected));
  }
});

describe("retryDelayMs", () => {
  const policy: RetryPolicy = { ...defaultRetryPolicy, baseDelayMs: 1000, maxDelayMs: 10_000 };

  it("draws from [0, base * 2^retry], capped (full jitter)", () => {
    const top = { ...policy, random: () => 0.999_999 };
    assert.ok(Math.abs(retryDelayMs(0, top) - 1000) < 1);
    assert.ok(Math.abs(retryDelayMs(3, top) - 8000) < 1);
    assert.ok(Math.abs(retryDelayMs(10, top) - 10_000) < 1);
    assert.equal(retryDelayMs(5, { ...policy, random: () => 0 }), 0);
  });

  it("uses Retry-After when given, capped and scaled like any wait", () => {
    assert.equal(retryDelayMs(0, policy, 3), 3000);
    assert.equal(retryDelayMs(0, policy, 3600), 10_000);
    assert.equal(retryDelayMs(0, { ...policy, delayScale: 0.01 }, 3), 30);
  });
});

describe("isRetryableStatus", () => {
  it("retries rate limits, timeouts and server faults only", () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504, 529])
      assert.ok(isRetryableStatus(status), `${status}`);
    for (const status of [400, 401, 403, 404, 413, 422]) assert.ok(!isRetryableStatus(status), `${status}`);
  });
});

describe("withRetry", () => {
  const fast = { baseDelayMs: 1, maxDelayMs: 2 };

  it("retries retryable ModelErrors and returns the first success", async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      calls++;
      if (calls < 3) throw new ModelError("busy", { status: 503, retryable: true });
      return "ok";
    }, fast);
    assert.equal(result, "ok");
    assert.equal(calls, 3);
  });

  it("gives up after maxRetries with the last status, saying how many attempts were made", async () => {
    let calls = 0;
    const attempt = async () => {
      calls++;
      throw new ModelError("rate limited", { status: 429, retryable: true, retryAfterS: 0 });
    };
    await assert.rejects(withRetry(attempt, { ...fast, maxRetries: 2 }), (error: unknown) => {
      assert.ok(error instanceof ModelError);
      assert.equal(error.status, 429);
      assert.equal(error.retryable, true);
      assert.equal(error.message, "rate limited (gave up after 3 attempts)");
      assert.ok(error.cause instanceof ModelError);
      return true;
    });
    assert.equal(calls, 3);
  });

  it("does not retry non-retryable errors, context errors or bugs", async () => {
    for (const thrown of [
      new ModelError("unauthorized", { status: 401, retryable: false }),
      new ContextWindowError("too long"),
      new TypeError("a bug"),
    ]) {
      let calls = 0;
      await assert.rejects(
        withRetry(async () => {
          calls++;
          throw thrown;
        }, fast),
        (error) => error === thrown,
      );
      assert.equal(calls, 1);
    }
  });

  it("stops waiting when the signal aborts", async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 20);
    const attempt = async () => {
      throw new ModelError("busy", { status: 503, retryable: true, retryAfterS: 60 });
    };
    await assert.rejects(withRetry(attempt, {}, { signal: controller.signal }), (error: unknown) => {
      assert.ok(error instanceof ModelError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /aborted/);
      return true;
    });
    assert.ok(performance.now() - started < 1000);
  });

  it("prints every retry as it happens, with the attempt and the wait", async () => {
    const lines: string[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new ModelError("openai:x answered 503: busy", { status: 503, retryable: true });
        return "ok";
      },
      { ...fast, maxRetries: 8, random: () => 0.5 },
      { log: (line) => lines.push(line) },
    );
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^mlgym: model API: openai:x answered 503: busy — retry 1\/8 in \d+\.\d s$/);
    assert.match(lines[1]!, /retry 2\/8 in/);
  });

  it("retries an unreachable provider only briefly, keeping its kind and saying what to do", async () => {
    const lines: string[] = [];
    let calls = 0;
    const started = performance.now();
    const attempt = async () => {
      calls++;
      throw new ModelError("cannot reach http://127.0.0.1:9/v1", {
        retryable: true,
        infrastructure: "api_unreachable",
      });
    };
    await assert.rejects(
      withRetry(
        attempt,
        { maxRetries: 8, unreachableDelayMs: 10 },
        { log: (line) => lines.push(line), advice: (kind) => `advice for ${kind}` },
      ),
      (error: unknown) => {
        assert.ok(error instanceof ModelError);
        assert.equal(error.infrastructure, "api_unreachable");
        assert.match(error.message, /gave up after 3 attempts\) — advice for api_unreachable$/);
        return true;
      },
    );
    assert.equal(calls, 1 + defaultRetryPolicy.maxUnreachableRetries);
    assert.deepEqual(
      lines.map((line) => line.replace(/.* — /, "")),
      ["retry 1/2 in 0.0 s", "retry 2/2 in 0.0 s"],
    );
    assert.ok(performance.now() - started < 1000);
  });

  it("keeps the kind of a server fault when the retries run out", async () => {
    const attempt = async () => {
      throw new ModelError("malformed", { retryable: true, infrastructure: "api_error" });
    };
    await assert.rejects(withRetry(attempt, { ...fast, maxRetries: 1 }), (error: unknown) => {
      assert.ok(error instanceof ModelError);
      assert.equal(error.infrastructure, "api_error");
      return true;
    });
  });

  it("by default waits seconds, not minutes, for an unreachable provider", () => {
    const { maxUnreachableRetries, unreachableDelayMs } = defaultRetryPolicy;
    let total = 0;
    for (let retry = 0; retry < maxUnreachableRetries; retry++) total += unreachableDelayMs * 2 ** retry;
    assert.ok(maxUnreachableRetries >= 1 && total <= 8_000, `${maxUnreachableRetries} retries, ${total} ms`);
  });
});
