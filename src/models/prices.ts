import type { ChatMessage, ModelUsage, ToolSpec } from "./model.js";

/** What a model costs and how much it takes, in USD per million tokens and in tokens. */
export interface ModelPrice {
  /** USD per million input (prompt) tokens. */
  input: number;
  /** USD per million output tokens (reasoning tokens included). */
  output: number;
  /** Most output tokens one call may produce; also the default `max_tokens`. */
  maxOutputTokens?: number;
  /** Context window in tokens (prompt + output). */
  contextWindow?: number;
  /** The model rejects `temperature`/`top_p` other than the defaults (reasoning models), so they are not sent. */
  fixedSampling?: boolean;
}

/** When the built-in prices were copied from the providers' public pricing pages. Check before relying on them. */
export const PRICES_AS_OF = "2025-11";

/** `max_tokens` when neither the call nor the price table says (Anthropic requires one). */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** The least `max_tokens` the context-window clamp leaves. */
const MIN_CLAMPED_OUTPUT = 1024;

const K = 1000;
const GPT_4O = { maxOutputTokens: 16_384, contextWindow: 128 * K };
const GPT_41 = { maxOutputTokens: 32_768, contextWindow: 1_047_576 };
const O_SERIES = { maxOutputTokens: 100 * K, contextWindow: 200 * K, fixedSampling: true };
const GPT_5 = { maxOutputTokens: 128 * K, contextWindow: 400 * K, fixedSampling: true };
const CLAUDE = { contextWindow: 200 * K };

/** Built-in prices by model name; dated snapshots (`gpt-4o-2024-08-06`, `claude-sonnet-4-20250514`) match their base. */
export const builtinPrices: Readonly<Record<string, ModelPrice>> = {
  // OpenAI
  "gpt-4o": { input: 2.5, output: 10, ...GPT_4O },
  "gpt-4o-2024-05-13": { input: 5, output: 15, ...GPT_4O, maxOutputTokens: 4096 },
  "gpt-4o-mini": { input: 0.15, output: 0.6, ...GPT_4O },
  "gpt-4.1": { input: 2, output: 8, ...GPT_41 },
  "gpt-4.1-mini": { input: 0.4, output: 1.6, ...GPT_41 },
  "gpt-4.1-nano": { input: 0.1, output: 0.4, ...GPT_41 },
  "o3-mini": { input: 1.1, output: 4.4, ...O_SERIES },
  o3: { input: 2, output: 8, ...O_SERIES },
  "o4-mini": { input: 1.1, output: 4.4, ...O_SERIES },
  "gpt-5": { input: 1.25, output: 10, ...GPT_5 },
  "gpt-5-mini": { input: 0.25, output: 2, ...GPT_5 },
  "gpt-5-nano": { input: 0.05, output: 0.4, ...GPT_5 },
  // Anthropic (standard context; the 1M-token beta of Sonnet 4/4.5 is priced higher above 200k)
  "claude-3-5-haiku": { input: 0.8, output: 4, maxOutputTokens: 8192, ...CLAUDE },
  "claude-3-5-sonnet": { input: 3, output: 15, maxOutputTokens: 8192, ...CLAUDE },
  "claude-3-7-sonnet": { input: 3, output: 15, maxOutputTokens: 64 * K, ...CLAUDE },
  "claude-sonnet-4": { input: 3, output: 15, maxOutputTokens: 64 * K, ...CLAUDE },
  "claude-sonnet-4-5": { input: 3, output: 15, maxOutputTokens: 64 * K, ...CLAUDE },
  "claude-haiku-4-5": { input: 1, output: 5, maxOutputTokens: 64 * K, ...CLAUDE },
  "claude-opus-4": { input: 15, output: 75, maxOutputTokens: 32 * K, ...CLAUDE },
  "claude-opus-4-1": { input: 15, output: 75, maxOutputTokens: 32 * K, ...CLAUDE },
  "claude-opus-4-5": { input: 5, output: 25, maxOutputTokens: 64 * K, ...CLAUDE },
};

/** A snapshot suffix: `-2024-08-06`, `-20250514`, `-latest`. */
const SNAPSHOT = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/**
 * The price of `model`, by exact name or without a snapshot suffix: the user's entries (`ModelOptions.prices`)
 * over the built-in table, exact names over base names. A user entry may give only `input`/`output`.
 */
export function findPrice(model: string, extra: Record<string, ModelPrice> = {}): ModelPrice | undefined {
  const base = model.replace(SNAPSHOT, "");
  const layers = [builtinPrices[base], builtinPrices[model], extra[base], extra[model]];
  if (layers.every((layer) => layer === undefined)) return undefined;
  return Object.assign({}, ...layers) as ModelPrice;
}

/** Letters of scripts that tokenizers pack several to a token (Latin); others get a token each. */
const LATIN_WORD = /^[\p{Script=Latin}\p{M}]+$/u;

/**
 * A cheap token estimate that errs high: BPE tokens never span word/number/punctuation boundaries, so every such
 * piece is at least one token; Latin prose averages about four characters a token, other scripts (CJK, Cyrillic)
 * are counted a token a letter and symbols a token a UTF-8 byte; the larger count is taken, plus the few tokens of
 * framing each message gets. Tool definitions are part of the prompt and counted as their JSON.
 */
export function estimateTokens(messages: ChatMessage[], tools: ToolSpec[] = []): number {
  const texts = messages.map((m) => m.content);
  if (tools.length > 0) texts.push(JSON.stringify(tools));
  let total = 3;
  for (const content of texts) {
    let pieces = 0;
    for (const [piece] of content.matchAll(/[\p{L}\p{M}]+|\p{N}{1,3}|\s+|[^\s\p{L}\p{M}\p{N}]/gu)) {
      if (piece === " ") continue;
      if (/^\p{L}/u.test(piece))
        pieces += LATIN_WORD.test(piece) ? Math.ceil(piece.length / 8) : [...piece].length;
      else if (/^[\s\p{N}]/u.test(piece)) pieces += 1;
      else pieces += Buffer.byteLength(piece);
    }
    total += 4 + Math.max(pieces, Math.ceil(content.length / 4));
  }
  return total;
}

/** Cost and budget arithmetic for one model: what a call cost and the most the next one can cost. */
export class ModelPricing {
  readonly price: ModelPrice | undefined;
  /** Observed provider tokens per estimated token (never below 1), so estimates follow the real tokenizer. */
  private scale = 1;

  constructor(model: string, extra?: Record<string, ModelPrice>) {
    this.price = findPrice(model, extra);
  }

  /** Estimated prompt tokens of `messages` (and `tools`), scaled by what the provider reported for earlier prompts. */
  promptTokens(messages: ChatMessage[], tools?: ToolSpec[]): number {
    return Math.ceil(estimateTokens(messages, tools) * this.scale);
  }

  /**
   * The `max_tokens` to send: the caller's, else the table's, else the default when the model is priced (so the
   * cost bound holds), else none. Clamped to what the context window leaves after the prompt, since providers
   * reject prompt + max_tokens above the window; `maxCostUsd` uses the same number.
   */
  outputCap(
    messages: ChatMessage[],
    requested?: number,
    fallback?: number,
    tools?: ToolSpec[],
  ): number | undefined {
    const cap =
      requested ?? this.price?.maxOutputTokens ?? (this.price ? DEFAULT_MAX_OUTPUT_TOKENS : fallback);
    const window = this.price?.contextWindow;
    if (cap === undefined || window === undefined) return cap;
    // Floor: an over-estimated prompt must not shrink the answer to nothing; a prompt that truly does not fit
    // gets the provider's context-length error either way.
    return Math.max(
      Math.min(cap, MIN_CLAMPED_OUTPUT),
      Math.min(cap, window - this.promptTokens(messages, tools)),
    );
  }

  /** USD of a finished call; undefined for models without a price. */
  costUsd(usage: ModelUsage): number | undefined {
    if (!this.price) return undefined;
    return (usage.inputTokens * this.price.input + usage.outputTokens * this.price.output) / 1e6;
  }

  /**
   * Upper bound in USD of the next call: the estimated prompt (tools included) at the input price + the output cap
   * (the one `outputCap` gives, which the backends send) at the output price.
   */
  maxCostUsd(messages: ChatMessage[], requested?: number, tools?: ToolSpec[]): number | undefined {
    if (!this.price) return undefined;
    const output = this.outputCap(messages, requested, undefined, tools) ?? 0;
    return (this.promptTokens(messages, tools) * this.price.input + output * this.price.output) / 1e6;
  }

  /** Learns from a finished call how the provider's token count compares with the estimate. */
  observe(messages: ChatMessage[], inputTokens: number, tools?: ToolSpec[]): void {
    const estimate = estimateTokens(messages, tools);
    if (estimate > 0 && inputTokens > 0) this.scale = Math.max(1, inputTokens / estimate);
  }
}
