import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { ChatCompletionCreateParamsNonStreaming } from "openai/resources/chat/completions";
import { ConfigError, ContextWindowError, ModelError } from "../errors.js";
import type { TokenLogprobs } from "../trajectory/files.js";
import type { ChatMessage, Model, ModelResponse, QueryOptions, ToolCall } from "./model.js";
import { type ModelPrice, ModelPricing } from "./prices.js";
import { type ProviderHelp, providerAdvice } from "./provider-help.js";
import type { ModelOptions } from "./registry.js";
import {
  httpModelError,
  malformedResponse,
  type RetryPolicy,
  stderrLog,
  type TransportFault,
  transportError,
  withRetry,
} from "./retry.js";

const OFFICIAL_URL = "https://api.openai.com/v1";
/** Sent when a custom server needs no key: the client insists on one, local servers ignore it. */
const PLACEHOLDER_KEY = "no-key-needed";
const DEFAULT_TIMEOUT_MS = 600_000;

/** Options of the OpenAI-compatible backend: the registry's, plus the retry policy and the environment to read. */
export interface OpenAIModelOptions extends ModelOptions {
  /** Overrides of the retry policy (`ModelOptions.maxRetries` sets `maxRetries`). */
  retry?: Partial<RetryPolicy>;
  /** Where `OPENAI_API_KEY`/`OPENAI_BASE_URL` are read; `process.env` by default. */
  env?: Record<string, string | undefined>;
}

/**
 * Chat completions through the official `openai` client: OpenAI itself or any OpenAI-compatible server (vLLM,
 * Ollama, llama.cpp, LiteLLM, OpenRouter) given `baseUrl` or `OPENAI_BASE_URL`. The client's own retries are
 * off; `withRetry` is the one policy.
 */
export class OpenAIModel implements Model {
  readonly id: string;
  readonly contextWindow: number | undefined;
  readonly costUnknown: boolean;
  private readonly client: OpenAI;
  private readonly pricing: ModelPricing;
  private readonly official: boolean;
  private readonly retry: Partial<RetryPolicy>;
  private readonly timeoutMs: number;
  private readonly help: ProviderHelp;
  private readonly log: (line: string) => void;
  /** Whether temperature/top_p are sent; off for models that reject them, learnt from a 400 if not in the table. */
  private sampling: boolean;
  /** Whether token log-probabilities (and, from servers other than OpenAI's, token ids) are asked for. */
  private readonly logprobs: boolean;

  constructor(
    readonly name: string,
    options: OpenAIModelOptions = {},
  ) {
    const env = options.env ?? process.env;
    const baseUrl = options.baseUrl || env.OPENAI_BASE_URL || OFFICIAL_URL;
    this.official = new URL(baseUrl).hostname === "api.openai.com";
    const apiKey = options.apiKey || env.OPENAI_API_KEY || (this.official ? undefined : PLACEHOLDER_KEY);
    if (!apiKey) {
      throw new ConfigError(
        "is not set: export your OpenAI API key, or set OPENAI_BASE_URL (or --base-url) for another server",
        { field: "OPENAI_API_KEY" },
      );
    }
    this.id = `openai:${name}`;
    this.logprobs = options.logprobs ?? false;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.log = options.log ?? stderrLog;
    this.help = {
      id: this.id,
      model: name,
      baseUrl,
      keyVar: "OPENAI_API_KEY",
      baseUrlVar: "OPENAI_BASE_URL",
      rootSuffix: "/v1",
    };
    this.client = new OpenAI({
      apiKey,
      baseURL: baseUrl,
      timeout: this.timeoutMs,
      maxRetries: 0,
      fetch: wrapBareErrors(globalThis.fetch),
    });
    this.pricing = new ModelPricing(name, options.prices as Record<string, ModelPrice> | undefined);
    this.contextWindow = this.pricing.price?.contextWindow;
    this.costUnknown = this.pricing.price === undefined;
    this.sampling = !this.pricing.price?.fixedSampling;
    this.retry = {
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...options.retry,
    };
  }

  maxCostUsd(messages: ChatMessage[], options: QueryOptions = {}): number | undefined {
    return this.pricing.maxCostUsd(messages, options.maxOutputTokens, options.tools);
  }

  async query(messages: ChatMessage[], options: QueryOptions = {}): Promise<ModelResponse> {
    // The same cap `maxCostUsd` charges for: a budget check is only an upper bound if the provider is held to it.
    const maxTokens = this.pricing.outputCap(messages, options.maxOutputTokens, undefined, options.tools);
    return withRetry(
      async () => {
        try {
          return this.answer(await this.create(messages, options, maxTokens), messages, options);
        } catch (error) {
          throw this.toModelError(error);
        }
      },
      this.retry,
      {
        signal: options.signal,
        log: this.log,
        advice: (kind) => providerAdvice(this.help, kind),
      },
    );
  }

  private async create(messages: ChatMessage[], options: QueryOptions, maxTokens: number | undefined) {
    const send = () =>
      this.client.chat.completions.create(this.body(messages, options, maxTokens), {
        signal: options.signal,
      });
    try {
      return (await send()) as unknown;
    } catch (error) {
      const sentSampling = options.temperature !== undefined || options.topP !== undefined;
      if (!(this.sampling && sentSampling && rejectsSampling(error))) throw error;
      this.sampling = false;
      return (await send()) as unknown;
    }
  }

  private body(
    messages: ChatMessage[],
    options: QueryOptions,
    maxTokens: number | undefined,
  ): ChatCompletionCreateParamsNonStreaming & { return_token_ids?: boolean } {
    return {
      model: this.name,
      messages: messages.map(({ role, content }) => ({ role, content })),
      ...(this.sampling && options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(this.sampling && options.topP !== undefined ? { top_p: options.topP } : {}),
      // OpenAI deprecated max_tokens (reasoning models reject it); compatible servers do not all know the new name.
      ...(maxTokens === undefined
        ? {}
        : this.official
          ? { max_completion_tokens: maxTokens }
          : { max_tokens: maxTokens }),
      ...(options.tools?.length
        ? {
            tools: options.tools.map((tool) => ({
              type: "function" as const,
              function: { name: tool.name, description: tool.description, parameters: tool.parameters },
            })),
          }
        : {}),
      // vLLM returns the prompt's and the answer's token ids on `return_token_ids`; OpenAI refuses unknown fields.
      ...(this.logprobs ? { logprobs: true, ...(this.official ? {} : { return_token_ids: true }) } : {}),
    };
  }

  private answer(data: unknown, messages: ChatMessage[], options: QueryOptions): ModelResponse {
    const completion = data as Partial<OpenAI.ChatCompletion> | null;
    const message =
      typeof completion === "object" && Array.isArray(completion?.choices)
        ? completion.choices[0]?.message
        : undefined;
    if (typeof message !== "object" || message === null)
      throw malformedResponse(this.id, "it has no choices[0].message");
    const toolCalls: ToolCall[] = (message.tool_calls ?? []).flatMap((call, index) =>
      call.type === "function"
        ? [
            {
              id: call.id ?? `call_${index}`,
              name: call.function.name,
              arguments: parseArguments(call.function.arguments),
            },
          ]
        : [],
    );
    const usage = completion?.usage
      ? {
          inputTokens: completion.usage.prompt_tokens ?? 0,
          outputTokens: completion.usage.completion_tokens ?? 0,
        }
      : undefined;
    if (usage) this.pricing.observe(messages, usage.inputTokens, options.tools);
    const tokens = this.logprobs ? tokenRecord(completion) : undefined;
    return {
      content: message.content ?? message.refusal ?? "",
      ...(toolCalls.length ? { toolCalls } : {}),
      ...(usage ? { usage, costUsd: this.pricing.costUsd(usage) } : {}),
      ...(tokens ? { logprobs: tokens } : {}),
    };
  }

  private toModelError(error: unknown): unknown {
    if (error instanceof ModelError) return error;
    const transport = (fault: TransportFault) => transportError(this.id, this.client.baseURL, fault, error);
    if (error instanceof APIUserAbortError) return transport({ kind: "aborted", provider: "OpenAI" });
    if (error instanceof APIConnectionTimeoutError)
      return transport({ kind: "timeout", timeoutMs: this.timeoutMs });
    if (error instanceof APIConnectionError) return transport({ kind: "unreachable", cause: error });
    if (error instanceof APIError && error.status !== undefined) {
      const message = error.message.replace(/^\d{3} /, "");
      if (isContextLengthError(error.status, error.code, message)) {
        return new ContextWindowError(
          `the prompt does not fit ${this.name}'s context window: ${message}`,
          error,
        );
      }
      return httpModelError(this.help, error.status, message, error.headers, error);
    }
    // A body that is not JSON, or a connection dropped while the body was read.
    if (error instanceof SyntaxError) return malformedResponse(this.id, error.message, error);
    if (error instanceof TypeError && error.message === "terminated") return transport({ kind: "broken" });
    return error;
  }
}

/** OpenAI's `context_length_exceeded`, or the wording of vLLM, llama.cpp and LiteLLM for the same thing. */
export function isContextLengthError(
  status: number,
  code: string | null | undefined,
  message: string,
): boolean {
  if (status !== 400 && status !== 413 && status !== 422) return false;
  return (
    code === "context_length_exceeded" ||
    /context[_ ](length|window|size)|maximum context|prompt is too long|exceed_context_size/i.test(message)
  );
}

/** A 400 saying the model takes no temperature/top_p (reasoning models accept only the defaults). */
function rejectsSampling(error: unknown): boolean {
  if (!(error instanceof APIError) || error.status !== 400) return false;
  if (error.param === "temperature" || error.param === "top_p") return true;
  return (
    /\b(temperature|top_p)\b/.test(error.message) &&
    /not supported|unsupported|does not support/i.test(error.message)
  );
}

/**
 * Some compatible servers (older vLLM, FastAPI apps) answer errors as a bare `{message}` or `{detail}` instead of
 * OpenAI's `{error: {message}}`, the only shape the client reads; wrapped, their message (and a context-length
 * error in it) reaches the user.
 */
function wrapBareErrors(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.ok || !response.headers.get("content-type")?.includes("json")) return response;
    const text = await response.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON after all: the client reports the text
    }
    const message = body?.message ?? body?.detail;
    const wrapped =
      body && !("error" in body) && typeof message === "string"
        ? JSON.stringify({ error: { message, type: body.type, code: body.code, param: body.param } })
        : text;
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    headers.delete("content-encoding");
    return new Response(wrapped, { status: response.status, statusText: response.statusText, headers });
  };
}

/** Tool arguments arrive as a JSON string; a model's invalid JSON is kept as `_unparsed` for the agent to report. */
function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || "{}");
    if (typeof value === "object" && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  return { _unparsed: text };
}

const intArray = (v: unknown): number[] | undefined =>
  Array.isArray(v) && v.every((x) => Number.isSafeInteger(x)) ? (v as number[]) : undefined;

/**
 * The answer's token record: `choices[0].logprobs.content[]` (`{token, logprob}`, OpenAI and vLLM), the answer's
 * ids from vLLM's `choices[0].token_ids` (or tokens written `token_id:<n>` under vLLM's
 * `--return-tokens-as-token-ids`), the prompt's ids from `prompt_token_ids`. Undefined when the server sent none.
 */
export function tokenRecord(completion: unknown): TokenLogprobs | undefined {
  const c = completion as {
    choices?: Array<{ logprobs?: { content?: unknown }; token_ids?: unknown; prompt_token_ids?: unknown }>;
    prompt_token_ids?: unknown;
  };
  const choice = c.choices?.[0];
  const content = choice?.logprobs?.content;
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const entries = content as Array<{ token?: unknown; logprob?: unknown }>;
  if (!entries.every((e) => typeof e?.logprob === "number")) return undefined;
  const logprobs = entries.map((e) => e.logprob as number);
  const tokens = entries.map((e) => (typeof e.token === "string" ? e.token : ""));
  let tokenIds = intArray(choice?.token_ids);
  if (!tokenIds && tokens.every((t) => /^token_id:\d+$/.test(t)))
    tokenIds = tokens.map((t) => Number(t.slice(9)));
  const promptIds = intArray(c.prompt_token_ids) ?? intArray(choice?.prompt_token_ids);
  return {
    logprobs,
    tokens,
    ...(tokenIds && tokenIds.length === logprobs.length ? { token_ids: tokenIds } : {}),
    ...(promptIds ? { prompt_token_ids: promptIds } : {}),
  };
}
