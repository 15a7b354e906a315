/** One message of a conversation with a model. */
import type { TokenLogprobs } from "../trajectory/files.js";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A tool the model may call (native function calling), described by a JSON schema. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
}

/** A model's answer, with what it cost when the backend knows. */
export interface ModelResponse {
  content: string;
  toolCalls?: ToolCall[];
  usage?: ModelUsage;
  /** US dollars this call cost, from the price table; absent when the price or the usage is unknown. */
  costUsd?: number;
  /** The answer's tokens with their log-probabilities (and ids), when asked for and the backend returned them. */
  logprobs?: TokenLogprobs;
}

export interface QueryOptions {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  tools?: ToolSpec[];
  signal?: AbortSignal;
}

/** A language model backend. Only `query` is required. */
export interface Model {
  /** `<backend>:<model>`, e.g. `openai:gpt-4o`; used in run folder names. */
  readonly id: string;
  query(messages: ChatMessage[], options?: QueryOptions): Promise<ModelResponse>;
  /**
   * Upper bound in USD of the next call (prompt and tools + the output cap it sends, at the model's prices), for
   * budgets that hold; undefined when the price is unknown. Without it a call is taken to cost nothing.
   */
  maxCostUsd?(messages: ChatMessage[], options?: QueryOptions): number | undefined;
  /** True for a paid backend without a price for this model: its calls have no `costUsd`. Default: false. */
  readonly costUnknown?: boolean;
  /** Context window in tokens, when known. */
  readonly contextWindow?: number;
}
