import type { ExportEpisode } from "./episodes.js";

/** Which episodes an export keeps. Lists match any of their entries; an empty or absent list matches all. */
export interface ExportFilters {
  tasks?: readonly string[];
  /** Matched against the folder's model name (`openai-gpt-4o`) and `args.json`'s (`openai:gpt-4o`). */
  models?: readonly string[];
  /** Exact exit statuses; an entry ending in `*` matches by prefix (`autosubmission*`). */
  exitStatuses?: readonly string[];
  /** Leave out episodes whose `audit.json` has a high-severity flag. */
  excludeFlagged?: boolean;
  /** Keep only episodes whose best score improves on the baseline by at least this much (relative, see `improvement`). */
  minImprovement?: number;
  /** Keep episodes that the infrastructure (model API, sandbox) ended; left out by default, as in reports. */
  includeInfrastructureFailures?: boolean;
}

/** Why a filter left an episode out, one word per filter (counted in the export's summary). */
export type ExclusionReason = "infrastructure" | "task" | "model" | "exit-status" | "flagged" | "improvement";

function statusMatches(status: string, pattern: string): boolean {
  return pattern.endsWith("*") ? status.startsWith(pattern.slice(0, -1)) : status === pattern;
}

/** The first filter that leaves `episode` out; undefined when it is kept. */
export function exclusionReason(episode: ExportEpisode, filters: ExportFilters): ExclusionReason | undefined {
  if (!filters.includeInfrastructureFailures && episode.infrastructure !== undefined) return "infrastructure";
  if (filters.tasks?.length && !filters.tasks.includes(episode.task)) return "task";
  if (
    filters.models?.length &&
    !filters.models.some(
      (m) => m === episode.model || (episode.modelId !== undefined && m === episode.modelId),
    )
  )
    return "model";
  if (filters.exitStatuses?.length && !filters.exitStatuses.some((p) => statusMatches(episode.exitStatus, p)))
    return "exit-status";
  if (filters.excludeFlagged && episode.flagged === true) return "flagged";
  if (
    filters.minImprovement !== undefined &&
    (episode.improvement === undefined || episode.improvement < filters.minImprovement)
  )
    return "improvement";
  return undefined;
}
