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
  /** Where API backends report each retry as it happens (default: standard error). */
  log?: (line: string) => void;
  /**
   * Ask for the answer's token log-probabilities (and, from vLLM, the prompt's and answer's token ids), recorded in
   * the trajectory for RL training; backends that cannot return them ignore it.
   */
  logprobs?: boolean;
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

/**
 * What a spec without a known backend most likely meant, by the model's name: a bare `gpt-4o` is an OpenAI model,
 * `claude-...` an Anthropic one, a `.yaml` list scripted answers, a `.traj` a trajectory to replay; servers that
 * speak the OpenAI protocol are reached through `openai:` with `--base-url`.
 */
const GUESSES: Array<[RegExp, (name: string) => string]> = [
  [/^(gpt-|o\d|chatgpt-|text-|davinci|babbage)/i, (name) => `openai:${name}`],
  [/^claude-/i, (name) => `anthropic:${name}`],
  [/\.(ya?ml|json)$/i, (name) => `scripted:${name}`],
  [/\.traj$/i, (name) => `replay:${name}`],
];
/** Names of servers or routers that speak the OpenAI protocol, as users sometimes write them as a backend. */
const OPENAI_COMPATIBLE =
  /^(vllm|ollama|llamacpp|llama\.cpp|litellm|openrouter|lmstudio|tgi|together|groq)$/i;

function didYouMean(backend: string, name: string, hasColon: boolean): string {
  const model = hasColon ? name : backend;
  for (const [pattern, spec] of GUESSES) if (pattern.test(model)) return `; did you mean ${spec(model)}?`;
  // `openai/gpt-4o` (LiteLLM's spelling) or a misspelt backend (`opnai:gpt-4o`).
  const slash = /^([a-z]+)\/(.+)$/i.exec(joined(backend, name, hasColon));
  if (slash && modelBackends[slash[1]!.toLowerCase()])
    return `; did you mean ${slash[1]!.toLowerCase()}:${slash[2]}?`;
  if (hasColon && OPENAI_COMPATIBLE.test(backend))
    return `; ${backend} speaks the OpenAI protocol: use --model openai:${name} --base-url <its URL, e.g. http://localhost:8000/v1>`;
  const close = hasColon
    ? Object.keys(modelBackends).find((known) => editDistance(known, backend) <= 2)
    : undefined;
  return close ? `; did you mean ${close}:${name}?` : "";
}

function joined(backend: string, name: string, hasColon: boolean): string {
  return hasColon ? `${backend}:${name}` : backend;
}

/** Levenshtein distance, for short names only. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Creates a model from `<backend>:<name>`; an unknown backend lists the available ones and guesses what was meant. */
export function createModel(spec: string, options: ModelOptions = {}): Model {
  const colon = spec.indexOf(":");
  const backend = colon < 0 ? spec : spec.slice(0, colon);
  const name = colon < 0 ? "" : spec.slice(colon + 1);
  const factory = modelBackends[backend];
  if (!factory) {
    const what = colon < 0 ? `'${spec}' names no backend` : `unknown model backend '${backend}'`;
    throw new ConfigError(
      `${what}${didYouMean(backend, name, colon >= 0)} (expected <backend>:<name>; backends: ${Object.keys(modelBackends).join(", ")})`,
      { field: "--model" },
    );
  }
  if (!name)
    throw new ConfigError(`--model needs <backend>:<name>, e.g. ${backend}:<name>`, { field: "--model" });
  return factory(name, options);
}
