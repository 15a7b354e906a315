import { metricValue } from "../metrics/types.js";
import { runRequeries } from "./requeries.js";
import type { RunIndex } from "./run-index.js";
import { type RunRow, readAudit, readResultsFile } from "./run-row.js";
import type { StepOutline } from "./trajectory-file.js";

/** One point of the validation-score trail: the attempt, the step that produced it (when known) and its value. */
export interface TrailPoint {
  attempt: number;
  step: number | null;
  value: number | null;
}

/** Everything a run page shows except the steps' text. */
export interface RunDetail {
  row: RunRow;
  /** `results.json`: every evaluation's metrics in order, and the baseline. */
  results: { agent: unknown[]; baseline: unknown };
  /** `info` of the trajectory without the score list (it repeats results.json). */
  info: Record<string, unknown>;
  outline: StepOutline[];
  trail: TrailPoint[];
  /** Refused answers (format errors and blocked commands), the steps' and those counted from the API calls. */
  requeries: number;
  /** Of those, the ones no step records: the original's trajectories keep only each step's accepted answer. */
  requeriesUnplaced: number;
  audit: { flagged: boolean; flags: unknown[]; notes: string[] } | null;
}

const SCORING = /^(validate|submit)\b/;

/**
 * The validation trail: the priority metric of each `results.json` entry, placed at the n-th step whose action
 * validates or submits (the step is null when the trajectory has fewer such steps than entries).
 */
export function scoreTrail(
  agent: readonly unknown[],
  metric: string,
  outline: readonly StepOutline[],
): TrailPoint[] {
  const scoring = outline.flatMap((s, i) => (SCORING.test(s.action) ? [i] : []));
  return agent.map((entry, i) => ({
    attempt: i + 1,
    step: scoring[i] ?? null,
    value:
      typeof entry === "object" && entry !== null
        ? (metricValue(entry as Record<string, unknown>, metric) ?? null)
        : null,
  }));
}

/** Reads the detail of a listed run; undefined for an unknown id. */
export function runDetail(index: RunIndex, id: string): RunDetail | undefined {
  const row = index.row(id);
  const files = index.filesOf(id);
  if (!row || !files) return undefined;
  const results = readResultsFile(files.results);
  const agent = Array.isArray(results.agent) ? results.agent : [];
  let info: Record<string, unknown> = {};
  let outline: StepOutline[] = [];
  if (files.trajectory) {
    try {
      const { score: _score, ...rest } = index.trajectories.info(files.trajectory);
      info = rest;
      outline = index.trajectories.outline(files.trajectory);
    } catch {}
  }
  const audit = readAudit(files.audit);
  const stats = info.model_stats;
  const apiCalls =
    typeof stats === "object" && stats !== null ? (stats as { api_calls?: unknown }).api_calls : null;
  const requeries = runRequeries(outline, apiCalls);
  return {
    row,
    results: { agent, baseline: results.baseline ?? null },
    info,
    outline,
    trail: scoreTrail(agent, row.metric, outline),
    requeries: requeries.total,
    requeriesUnplaced: requeries.unplaced,
    audit: audit ? { flagged: audit.flagged, flags: audit.flags, notes: audit.notes } : null,
  };
}
