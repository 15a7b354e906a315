import { ModelError } from "../errors.js";

/** How a backend retries failed provider calls: exponential backoff with full jitter, capped. */
export interface RetryPolicy {
  /** Retries after the first attempt (so `maxRetries + 1` calls at most). */
  maxRetries: number;
  /** First backoff ceiling in ms; attempt n waits a random time in [0, baseDelayMs * 2^n]. */
  baseDelayMs: number;
  /** Cap on any single wait in ms, a provider's `Retry-After` included. */
  maxDelayMs: number;
  /** Multiplies every wait, `Retry-After` included; tests use a small value to run fast. */
  delayScale: number;
  /** Source of jitter in [0, 1). */
  random: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 8,
  baseDelayMs: 2_000,
  maxDelayMs: 120_000,
  delayScale: 1,
  random: Math.random,
};

/** Statuses where trying again may help: timeouts, conflicts, rate limits and server faults (529 = overloaded). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

interface HeaderBag {
  get(name: string): string | null;
}

/** Seconds to wait from `retry-after-ms`, `retry-after` as seconds, or `retry-after` as an HTTP date. */
export function parseRetryAfter(headers: HeaderBag | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms / 1000;
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number.parseFloat(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** The wait before retry number `retry` (0-based): the provider's `Retry-After` when given, else full jitter. */
export function retryDelayMs(retry: number, policy: RetryPolicy, retryAfterS?: number): number {
  const wait =
    retryAfterS !== undefined
      ? retryAfterS * 1000
      : policy.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.min(wait, policy.maxDelayMs) * policy.delayScale;
}

/** An HTTP error answer as a `ModelError`, retryable by status, carrying the provider's `Retry-After`. */
export function httpModelError(
  model: string,
  status: number,
  message: string,
  headers: HeaderBag | undefined,
  cause: unknown,
): ModelError {
  return new ModelError(`${model} answered ${status}: ${message}`, {
    status,
    retryable: isRetryableStatus(status),
    retryAfterS: parseRetryAfter(headers),
    cause,
  });
}

/** The innermost cause's message (`connect ECONNREFUSED ...` rather than `fetch failed`), for connection errors. */
export function rootCause(error: Error): string {
  let inner = error;
  while (inner.cause instanceof Error) inner = inner.cause;
  return inner === error ? error.message : `${error.message} (${inner.message})`;
}

/**
 * Calls `attempt` until it succeeds, retrying only retryable `ModelError`s. Anything else (a bug, a
 * non-retryable answer such as 401 or a context-length error) propagates at once. When the retries run out
 * the last error is re-thrown as a `ModelError` that keeps its status and says how many attempts were made.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  policy: Partial<RetryPolicy> = {},
  signal?: AbortSignal,
): Promise<T> {
  const full = { ...defaultRetryPolicy, ...policy };
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ModelError) || !error.retryable || signal?.aborted) throw error;
      if (retry >= full.maxRetries) {
        const attempts = `${retry + 1} attempt${retry === 0 ? "" : "s"}`;
        throw new ModelError(`${error.message} (gave up after ${attempts})`, {
          status: error.status,
          retryable: true,
          retryAfterS: error.retryAfterS,
          cause: error,
        });
      }
      await sleep(retryDelayMs(retry, full, error.retryAfterS), signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ModelError("the model call was aborted", { retryable: false, cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
