/**
 * How a report names and colours models: run folders carry ids (`litellm:claude-3-5-sonnet-20240620`), papers
 * carry display names (`Claude-3.5-Sonnet`). A names file maps one to the other; a built-in table covers the
 * paper's models. (Interface shared by the tables and the figures; `loadDisplayNames` fills it from a file.)
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
