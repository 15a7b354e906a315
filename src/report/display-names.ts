import { PAPER_MODELS } from "./paper-models.js";

/**
 * How a report names and colours models: run folders carry ids (`litellm:claude-3-5-sonnet-20240620`), papers
 * carry display names (`Claude-3.5-Sonnet`). A names file maps one to the other; a built-in table covers the
 * paper's models. (Interface shared by the tables and the figures; `loadDisplayNames` in names-file.ts fills it from
 * a file.)
 */
export interface DisplayNames {
  /** The name shown for a model id (the id itself when unknown). */
  label(modelId: string): string;
  /** The colour (CSS hex) for a model id; `index` is its position in the report, for a stable fallback palette. */
  colour(modelId: string, index: number): string;
}

const FALLBACK_PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** Ids as names, the fallback palette as colours. */
export const identityNames: DisplayNames = {
  label: (modelId) => modelId,
  colour: (_modelId, index) => FALLBACK_PALETTE[index % FALLBACK_PALETTE.length] as string,
};

/** One model's entry: a display name, a colour, or both. */
export interface NameEntry {
  name?: string;
  colour?: string;
}

// Backend and provider prefixes a run id may carry before the provider's model id (`:` becomes `-` in folder names).
const PREFIX =
  /^(?:litellm|openai|anthropic|gemini|google|vertex_ai|bedrock|azure|openrouter|together_ai|together|fireworks_ai|groq|ollama|meta-llama|deepseek-ai)[:/-]/;

/** The keys an id is looked up under, most specific first: as given, lower case, then without backend prefixes. */
export function lookupKeys(modelId: string): string[] {
  const keys = [modelId, modelId.toLowerCase().replace(/^metagen-/, "")];
  let rest = keys[1] as string;
  for (;;) {
    const next = rest.replace(PREFIX, "");
    if (next === rest || next === "") break;
    keys.push(next);
    rest = next;
  }
  const afterSlash = rest.slice(rest.lastIndexOf("/") + 1);
  if (afterSlash !== rest && afterSlash !== "") keys.push(afterSlash);
  return [...new Set(keys)];
}

function builtinTable(): Map<string, NameEntry> {
  const table = new Map<string, NameEntry>();
  for (const model of PAPER_MODELS) {
    const entry = { name: model.name, ...(model.colour ? { colour: model.colour } : {}) };
    for (const key of [model.id, ...model.aliases]) table.set(key.toLowerCase(), entry);
  }
  return table;
}

function find(table: ReadonlyMap<string, NameEntry>, keys: readonly string[]): NameEntry | undefined {
  for (const key of keys) {
    const entry = table.get(key) ?? table.get(key.toLowerCase());
    if (entry) return entry;
  }
  return undefined;
}

/** Names from a user table (consulted first, under every lookup key) over the built-in table of the paper's models. */
export function displayNamesFrom(user: ReadonlyMap<string, NameEntry> = new Map()): DisplayNames {
  const builtin = builtinTable();
  const lowered = new Map([...user].map(([k, v]) => [k.toLowerCase(), v]));
  const resolve = (modelId: string) => {
    const keys = lookupKeys(modelId);
    return { mine: find(lowered, keys), paper: find(builtin, keys) };
  };
  return {
    label: (modelId) => {
      const { mine, paper } = resolve(modelId);
      return mine?.name ?? paper?.name ?? modelId;
    },
    colour: (modelId, index) => {
      const { mine, paper } = resolve(modelId);
      return mine?.colour ?? paper?.colour ?? identityNames.colour(modelId, index);
    },
  };
}
