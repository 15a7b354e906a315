import { type InfrastructureKind, infrastructureKindOfStatus, ModelError } from "../errors.js";
import { type ProviderHelp, providerAdvice, saysModelNotFound } from "./provider-help.js";

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
  /**
   * Retries when the provider cannot be reached at all (connection refused, DNS, TLS, no answer in time): few and
   * short, since a server that is down rarely comes up in minutes, and a user should hear of it in seconds.
   */
  maxUnreachableRetries: number;
  /** First wait before retrying an unreachable provider, in ms; doubled on each retry (scaled, not jittered). */
  unreachableDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 8,
  baseDelayMs: 2_000,
  maxDelayMs: 120_000,
  delayScale: 1,
  random: Math.random,
  maxUnreachableRetries: 2,
  unreachableDelayMs: 1_000,
};

/** How `withRetry` reports and explains: every retry is told as it happens, and a final failure says what to do. */
export interface RetryOptions {
  signal?: AbortSignal | undefined;
  /** Receives one line per retry as it happens (`mlgym: model API: ... — retry 2/8 in 4.1 s`). */
  log?: ((line: string) => void) | undefined;
  /** What the user can do about a failure of this kind (appended to the message when the retries run out). */
  advice?: ((kind: InfrastructureKind) => string | undefined) | undefined;
}

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

/**
 * An HTTP error answer as a `ModelError`, retryable by status, carrying the provider's `Retry-After`. 401/403 are
 * auth failures, a 404 (or a 400/422 worded as "no such model") an unknown model; those fail at once and say what
 * to check.
 */
export function httpModelError(
  help: ProviderHelp,
  status: number,
  message: string,
  headers: HeaderBag | undefined,
  cause: unknown,
): ModelError {
  const notFound = status === 404 || ((status === 400 || status === 422) && saysModelNotFound(message));
  const infrastructure = notFound ? "model_not_found" : infrastructureKindOfStatus(status);
  const retryable = !notFound && isRetryableStatus(status);
  const advice = infrastructure === "api_auth" || notFound ? providerAdvice(help, infrastructure) : undefined;
  const at = `${help.id} at ${help.baseUrl}`;
  return new ModelError(`${at} answered ${status}: ${message}${advice ? ` — ${advice}` : ""}`, {
    status,
    retryable,
    retryAfterS: parseRetryAfter(headers),
    infrastructure,
    cause,
  });
}

/** A fault on the way to a provider or back, as either SDK reports it. */
export type TransportFault =
  | { kind: "aborted"; provider: string }
  | { kind: "timeout"; timeoutMs: number }
  | { kind: "unreachable"; cause: Error }
  | { kind: "broken" };

/**
 * The `ModelError` of a transport fault: an abort is final; no answer in time and no connection are retried and,
 * when retries run out, `api_unreachable`; a connection broken mid-answer is retried as a provider fault.
 */
export function transportError(
  id: string,
  baseUrl: string,
  fault: TransportFault,
  cause: unknown,
): ModelError {
  switch (fault.kind) {
    case "aborted":
      return new ModelError(`the ${fault.provider} call was aborted`, {
        retryable: false,
        infrastructure: "other",
        cause,
      });
    case "timeout":
      return new ModelError(`${id}: no answer from ${baseUrl} within ${fault.timeoutMs} ms`, {
        retryable: true,
        infrastructure: "api_unreachable",
        cause,
      });
    case "unreachable":
      return new ModelError(`${id}: cannot reach ${baseUrl}: ${rootCause(fault.cause)}`, {
        retryable: true,
        infrastructure: "api_unreachable",
        cause,
      });
    case "broken":
      return new ModelError(`${id}: the connection to ${baseUrl} broke mid-answer`, {
        retryable: true,
        infrastructure: "api_error",
        cause,
      });
  }
}

/**
 * A malformed answer (not JSON, or JSON without the expected fields). Retryable: in practice it is a proxy's
 * error page or a truncated body, which the next attempt usually does not repeat.
 */
export function malformedResponse(model: string, detail: string, cause?: unknown): ModelError {
  return new ModelError(`malformed response to ${model}: ${detail}`, {
    retryable: true,
    infrastructure: "api_error",
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
 * Calls `attempt` until it succeeds, retrying only retryable `ModelError`s: an unreachable provider a couple of
 * times within seconds, rate limits and server faults with the full backoff. Anything else (a bug, a
 * non-retryable answer such as 401 or a context-length error) propagates at once. When the retries run out the
 * last error is re-thrown as a `ModelError` that keeps its status and infrastructure kind, says how many attempts
 * were made and what to do.
 */
export async function withRetry<T>(
  attempt: () => Promise<T>,
  policy: Partial<RetryPolicy> = {},
  options: RetryOptions = {},
): Promise<T> {
  const full = { ...defaultRetryPolicy, ...policy };
  const { signal, log } = options;
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ModelError) || !error.retryable || signal?.aborted) throw error;
      const unreachable = error.infrastructure === "api_unreachable";
      const allowed = unreachable ? Math.min(full.maxUnreachableRetries, full.maxRetries) : full.maxRetries;
      if (retry >= allowed) {
        const attempts = `${retry + 1} attempt${retry === 0 ? "" : "s"}`;
        const advice = options.advice?.(error.infrastructure);
        throw new ModelError(`${error.message} (gave up after ${attempts})${advice ? ` — ${advice}` : ""}`, {
          status: error.status,
          retryable: true,
          retryAfterS: error.retryAfterS,
          infrastructure: error.infrastructure,
          cause: error,
        });
      }
      const waitMs = unreachable
        ? Math.min(full.unreachableDelayMs * 2 ** retry, full.maxDelayMs) * full.delayScale
        : retryDelayMs(retry, full, error.retryAfterS);
      log?.(
        `mlgym: model API: ${firstLine(error.message)} — retry ${retry + 1}/${allowed} in ${(waitMs / 1000).toFixed(1)} s`,
      );
      await sleep(waitMs, signal);
    }
  }
}

/** The first line of a message, cut to a length that fits a terminal line or two. */
function firstLine(message: string, max = 240): string {
  const line = message.split("\n", 1)[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Where a backend's retry lines go unless told otherwise: standard error, as they happen. */
export function stderrLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(
        new ModelError("the model call was aborted", {
          retryable: false,
          infrastructure: "other",
          cause: signal?.reason,
        }),
      );
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
