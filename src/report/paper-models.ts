/** A model the built-in names table knows: its display name, its colour and the ids it appears under. */
export interface PaperModel {
  /** The run-folder id in the MLGym paper's data (after the `metagen-` prefix is dropped). */
  id: string;
  name: string;
  /** CSS hex; absent where the paper gave the model no colour (the report's palette then picks one). */
  colour?: string;
  /** Provider model ids that mean the same model (matched after backend prefixes such as `litellm:` are dropped). */
  aliases: readonly string[];
}

/**
 * The MLGym paper's models with the display names and colours of its figures (the original's analysis constants:
 * colours are its muted Tol palette in its model order), plus the provider ids a user's own runs carry.
 */
export const PAPER_MODELS: readonly PaperModel[] = [
  {
    id: "gpt4o2",
    name: "GPT-4o",
    colour: "#332288",
    aliases: ["gpt-4o", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20", "gpt-4o-2024-05-13"],
  },
  { id: "gpt-o3-mini", name: "O3-mini", colour: "#88CCEE", aliases: ["o3-mini", "o3-mini-2025-01-31"] },
  { id: "gpt-o1", name: "O1-preview", colour: "#44AA99", aliases: ["o1-preview", "o1-preview-2024-09-12"] },
  {
    id: "deepseek-r1",
    name: "DeepSeek-R1",
    colour: "#117733",
    aliases: ["deepseek-reasoner", "deepseek-ai/deepseek-r1"],
  },
  {
    id: "llama3-405b-tools",
    name: "Llama-3.1-405B",
    colour: "#999933",
    aliases: [
      "llama-3.1-405b-instruct",
      "meta-llama-3.1-405b-instruct",
      "meta-llama-3.1-405b-instruct-turbo",
      "llama3.1-405b",
    ],
  },
  {
    id: "llama4-17b-16",
    name: "Llama-4-Scout",
    colour: "#DDCC77",
    aliases: ["llama-4-scout-17b-16e-instruct", "llama-4-scout"],
  },
  {
    id: "llama4-17b-128",
    name: "Llama-4-Maverick",
    colour: "#CC6677",
    aliases: [
      "llama-4-maverick-17b-128e-instruct",
      "llama-4-maverick-17b-128e-instruct-fp8",
      "llama-4-maverick",
    ],
  },
  {
    id: "claude-35-sonnet-new",
    name: "Claude-3.5-Sonnet",
    colour: "#882255",
    aliases: [
      "claude-3-5-sonnet-20241022",
      "claude-3-5-sonnet-20240620",
      "claude-3-5-sonnet-latest",
      "claude-3.5-sonnet",
    ],
  },
  {
    id: "claude-37-sonnet",
    name: "Claude-3.7-Sonnet",
    colour: "#AA4499",
    aliases: ["claude-3-7-sonnet-20250219", "claude-3-7-sonnet-latest", "claude-3.7-sonnet"],
  },
  {
    id: "gemini-15-pro",
    name: "Gemini-1.5-Pro",
    colour: "#DD77CC",
    aliases: ["gemini-1.5-pro", "gemini-1.5-pro-002", "gemini-1.5-pro-001"],
  },
  {
    id: "gemini-20-flash-thinking",
    name: "Gemini-2.0-Flash",
    colour: "#7799DD",
    aliases: ["gemini-2.0-flash-thinking-exp", "gemini-2.0-flash-thinking-exp-01-21"],
  },
  {
    id: "gemini-20-pro",
    name: "Gemini-2.0-Pro",
    aliases: ["gemini-2.0-pro-exp-02-05", "gemini-2.0-pro-exp"],
  },
  {
    id: "gemini-25-pro",
    name: "Gemini-2.5-Pro",
    colour: "#66AA55",
    aliases: ["gemini-2.5-pro", "gemini-2.5-pro-exp-03-25", "gemini-2.5-pro-preview-03-25"],
  },
  { id: "baseline", name: "Baseline", colour: "#444444", aliases: [] },
];
