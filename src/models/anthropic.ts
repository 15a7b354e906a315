import Anthropic, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from "@anthropic-ai/sdk";
import { ConfigError, ContextWindowError, ModelError } from "../errors.js";
import type { ChatMessage, Model, ModelResponse, ModelUsage, QueryOptions, ToolCall } from "./model.js";
import { DEFAULT_MAX_OUTPUT_TOKENS, type ModelPrice, ModelPricing } from "./prices.js";
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

const OFFICIAL_URL = "https://api.anthropic.com";
/** Sent when a custom server needs no key: the client insists on a credential. */
const PLACEHOLDER_KEY = "no-key-needed";
const DEFAULT_TIMEOUT_MS = 600_000;
/** Anthropic bills writing the prompt cache at 1.25x and reading it at 0.1x the input price. */
const CACHE_WRITE = 1.25;
const CACHE_READ = 0.1;

/** Options of the Anthropic backend: the registry's, plus the retry policy and the environment to read. */
export interface AnthropicModelOptions extends ModelOptions {
  /** Overrides of the retry policy (`ModelOptions.maxRetries` sets `maxRetries`). */
  retry?: Partial<RetryPolicy>;
  /** Where `ANTHROPIC_API_KEY`/`ANTHROPIC_AUTH_TOKEN`/`ANTHROPIC_BASE_URL` are read; `process.env` by default. */
  env?: Record<string, string | undefined>;
}

/**
 * Claude through the official `@anthropic-ai/sdk` messages API. Leading system messages become `system`,
 * consecutive same-role messages are merged, and `max_tokens` (required) defaults to the price table's maximum
 * output. The API version this client speaks has no sampling parameters, so `temperature`/`topP` are ignored.
 */
export class AnthropicModel implements Model {
  readonly id: string;
  readonly contextWindow: number | undefined;
  readonly costUnknown: boolean;
  private readonly client: Anthropic;
  private readonly pricing: ModelPricing;
  private readonly retry: Partial<RetryPolicy>;
  private readonly timeoutMs: number;
  private readonly help: ProviderHelp;
  private readonly log: (line: string) => void;

  constructor(
    readonly name: string,
    options: AnthropicModelOptions = {},
  ) {
    const env = options.env ?? process.env;
    const baseUrl = options.baseUrl || env.ANTHROPIC_BASE_URL || OFFICIAL_URL;
    const official = new URL(baseUrl).hostname === "api.anthropic.com";
    const apiKey = options.apiKey || env.ANTHROPIC_API_KEY;
    const authToken = apiKey ? undefined : env.ANTHROPIC_AUTH_TOKEN;
    if (!apiKey && !authToken && official) {
      throw new ConfigError(
        "is not set: export your Anthropic API key, or set ANTHROPIC_BASE_URL (or --base-url) for another server",
        { field: "ANTHROPIC_API_KEY" },
      );
    }
    this.id = `anthropic:${name}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.log = options.log ?? stderrLog;
    this.help = {
      id: this.id,
      model: name,
      baseUrl,
      keyVar: "ANTHROPIC_API_KEY",
      baseUrlVar: "ANTHROPIC_BASE_URL",
    };
    // An explicit timeout also stops the client refusing large non-streaming max_tokens on its own.
    this.client = new Anthropic({
      ...(authToken ? { authToken } : { apiKey: apiKey || PLACEHOLDER_KEY }),
      baseURL: baseUrl,
      timeout: this.timeoutMs,
      maxRetries: 0,
    });
    this.pricing = new ModelPricing(name, options.prices as Record<string, ModelPrice> | undefined);
    this.contextWindow = this.pricing.price?.contextWindow;
    this.costUnknown = this.pricing.price === undefined;
    this.retry = {
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...options.retry,
    };
  }

  maxCostUsd(messages: ChatMessage[], options: QueryOptions = {}): number | undefined {
    return this.pricing.maxCostUsd(messages, options.maxOutputTokens, options.tools);
  }

  async query(messages: ChatMessage[], options: QueryOptions = {}): Promise<ModelResponse> {
    const { system, turns } = toAnthropicMessages(messages);
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model: this.name,
      max_tokens:
        this.pricing.outputCap(messages, options.maxOutputTokens, DEFAULT_MAX_OUTPUT_TOKENS, options.tools) ??
        DEFAULT_MAX_OUTPUT_TOKENS,
      messages: turns,
      ...(system ? { system } : {}),
      ...(options.tools?.length
        ? {
            tools: options.tools.map((tool) => ({
              name: tool.name,
              description: tool.description,
              input_schema: tool.parameters as Anthropic.Tool.InputSchema,
            })),
          }
        : {}),
    };
    return withRetry(
      async () => {
        try {
          const data: unknown = await this.client.messages.create(body, { signal: options.signal });
          return this.answer(data, messages, options);
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

  private answer(data: unknown, messages: ChatMessage[], options: QueryOptions): ModelResponse {
    const message = data as Partial<Anthropic.Message> | null;
    if (typeof message !== "object" || message === null || !Array.isArray(message.content)) {
      throw malformedResponse(this.id, "it has no content list");
    }
    let content = "";
    const toolCalls: ToolCall[] = [];
    for (const block of message.content) {
      if (block.type === "text") content += block.text;
      else if (block.type === "tool_use") {
        const input = block.input;
        const args =
          typeof input === "object" && input !== null && !Array.isArray(input)
            ? (input as Record<string, unknown>)
            : { _unparsed: JSON.stringify(input) };
        toolCalls.push({ id: block.id, name: block.name, arguments: args });
      }
    }
    const reported = message.usage;
    let usage: ModelUsage | undefined;
    let costUsd: number | undefined;
    if (reported) {
      const written = reported.cache_creation_input_tokens ?? 0;
      const read = reported.cache_read_input_tokens ?? 0;
      usage = {
        inputTokens: (reported.input_tokens ?? 0) + written + read,
        outputTokens: reported.output_tokens ?? 0,
      };
      this.pricing.observe(messages, usage.inputTokens, options.tools);
      const price = this.pricing.price;
      costUsd = price
        ? ((reported.input_tokens ?? 0) + written * CACHE_WRITE + read * CACHE_READ) * (price.input / 1e6) +
          usage.outputTokens * (price.output / 1e6)
        : undefined;
    }
    return {
      content,
      ...(toolCalls.length ? { toolCalls } : {}),
      ...(usage ? { usage, costUsd } : {}),
    };
  }

  private toModelError(error: unknown): unknown {
    if (error instanceof ModelError) return error;
    const transport = (fault: TransportFault) => transportError(this.id, this.client.baseURL, fault, error);
    if (error instanceof APIUserAbortError) return transport({ kind: "aborted", provider: "Anthropic" });
    if (error instanceof APIConnectionTimeoutError)
      return transport({ kind: "timeout", timeoutMs: this.timeoutMs });
    if (error instanceof APIConnectionError) return transport({ kind: "unreachable", cause: error });
    if (error instanceof APIError && error.status !== undefined) {
      const message = error.apiMessage ?? error.message.replace(/^\d{3} /, "");
      if (isPromptTooLong(error.status, message)) {
        return new ContextWindowError(
          `the prompt does not fit ${this.name}'s context window: ${message}`,
          error,
        );
      }
      return httpModelError(this.help, error.status, message, error.headers, error);
    }
    if (error instanceof SyntaxError) return malformedResponse(this.id, error.message, error);
    if (error instanceof TypeError && error.message === "terminated") return transport({ kind: "broken" });
    return error;
  }
}

/**
 * The conversation in the messages API's shape: leading system messages joined into `system`, later ones sent
 * as user turns (the API has no mid-conversation system role everywhere), same-role neighbours merged (the API
 * wants alternating turns) and empty turns given a placeholder (it rejects empty text).
 */
export function toAnthropicMessages(messages: ChatMessage[]): {
  system: string;
  turns: Anthropic.MessageParam[];
} {
  let start = 0;
  while (messages[start]?.role === "system") start++;
  const system = messages
    .slice(0, start)
    .map((m) => m.content)
    .join("\n\n");
  const turns: { role: "user" | "assistant"; content: string }[] = [];
  for (const message of messages.slice(start)) {
    const role = message.role === "assistant" ? "assistant" : "user";
    const last = turns.at(-1);
    if (last?.role === role) last.content = [last.content, message.content].filter(Boolean).join("\n\n");
    else turns.push({ role, content: message.content });
  }
  for (const turn of turns) if (!turn.content.trim()) turn.content = "(empty)";
  return { system, turns };
}

/** Anthropic's 400 for a prompt over the window ("prompt is too long: N tokens > M maximum"), or prompt + max_tokens. */
function isPromptTooLong(status: number, message: string): boolean {
  return (
    (status === 400 || status === 413) &&
    /prompt is too long|exceed context limit|context window/i.test(message)
  );
}
