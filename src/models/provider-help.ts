import type { InfrastructureKind } from "../errors.js";

/** What a backend tells a user about where it sends requests, so a failure can say what to check. */
export interface ProviderHelp {
  /** `<backend>:<model>`. */
  id: string;
  /** The model name sent to the provider. */
  model: string;
  /** The base URL requests go to. */
  baseUrl: string;
  /** The environment variable holding the key, e.g. `OPENAI_API_KEY`. */
  keyVar: string;
  /** The environment variable that sets the base URL, e.g. `OPENAI_BASE_URL`. */
  baseUrlVar: string;
  /** How the base URL usually ends, when the API wants a particular root (`/v1` for OpenAI-compatible servers). */
  rootSuffix?: string;
}

/** One sentence on what to do about a failure of this kind, for the end of its message. */
export function providerAdvice(help: ProviderHelp, kind: InfrastructureKind): string | undefined {
  switch (kind) {
    case "api_unreachable":
      return `is the server at ${help.baseUrl} running and reachable? check --base-url (or ${help.baseUrlVar})`;
    case "api_auth":
      return `check ${help.keyVar}: the server refused the key it was sent (or none was set)`;
    case "model_not_found": {
      const root = help.rootSuffix
        ? `, and that --base-url is the API root (usually ending in ${help.rootSuffix})`
        : "";
      return `check the model name '${help.model}' in --model (the server lists its models at ${help.baseUrl.replace(/\/$/, "")}/models)${root}`;
    }
    case "api_error":
      return "the provider kept failing; try again later";
    default:
      return undefined;
  }
}

/** A 400/422 whose wording is a provider's "no such model" (vLLM, Ollama, LiteLLM word it in their own ways). */
export function saysModelNotFound(message: string): boolean {
  return /\bmodel\b.*\b(does not exist|not found|not exist|unknown|is not available|invalid)\b|\b(unknown|invalid|no such) model\b/i.test(
    message,
  );
}
