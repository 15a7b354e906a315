import { ConfigError } from "../errors.js";
import { AnthropicModel } from "./anthropic.js";
import { HumanModel } from "./human.js";
import type { Model } from "./model.js";
import { OpenAIModel } from "./openai.js";
import type { ModelPrice } from "./prices.js";
import { ReplayModel } from "./replay.js";
import { ScriptedModel } from "./scripted.js";

/** Options every backend factory receives. */
export interface ModelOptions {
  /** Base URL of an OpenAI-compatible server (vLLM, Ollama, llama.cpp, LiteLLM, OpenRouter). */
  baseUrl?: string;
  apiKey?: string;
  /** Extra prices (USD per million tokens) by model name, on top of the built-in table. */
  prices?: Record<string, ModelPrice>;
  timeoutMs?: number;
  maxRetries?: number;
}

type Factory = (name: string, options: ModelOptions) => Model;

/** Model backends by name: `--model <backend>:<name>`. */
export const modelBackends: Record<string, Factory> = {
  scripted: (name) => ScriptedModel.fromFile(name),
  openai: (name, options) => new OpenAIModel(name, options),
  anthropic: (name, options) => new AnthropicModel(name, options),
  replay: (name) => ReplayModel.fromFile(name),
  human: (name) => new HumanModel({ name }),
};

/** Creates a model from `<backend>:<name>`; unknown backends list the available ones. */
export function createModel(spec: string, options: ModelOptions = {}): Model {
  const colon = spec.indexOf(":");
  const backend = colon < 0 ? spec : spec.slice(0, colon);
  const name = colon < 0 ? "" : spec.slice(colon + 1);
  const factory = modelBackends[backend];
  if (!factory) {
    throw new ConfigError(
      `unknown model backend '${backend}'; available: ${Object.keys(modelBackends).join(", ")}`,
      {
        field: "--model",
      },
    );
  }
  if (!name)
    throw new ConfigError(`--model needs <backend>:<name>, e.g. ${backend}:<name>`, { field: "--model" });
  return factory(name, options);
}
