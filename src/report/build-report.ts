import { stat } from "node:fs/promises";
import { auditRuns } from "../audit/audit-runs.js";
import { ConfigError } from "../errors.js";
import { analyseRuns, type RunAnalysis } from "./analyze-runs.js";
import { analyseScores, BASELINE, type ScoreAnalysis, type ScoreOptions } from "./analyze-scores.js";
import { orderModels, TASK_CATALOGUE } from "./catalogue.js";
import { loadRuns, type RunIssue, type RunRecord } from "./load-runs.js";
import type { TaskMeta } from "./task-meta.js";

/** Options of {@link buildReport}. */
export interface ReportOptions extends ScoreOptions {
  /** Metadata for tasks outside the catalogue (or overriding it), e.g. from the task registry. */
  tasks?: readonly TaskMeta[];
  /** Models to report, in column order (default: every model found, known models first). */
  models?: readonly string[];
  /** Also analyse the runs without a high-severity tamper flag; runs lacking `audit.json` are audited first. */
  excludeFlagged?: boolean;
  /** Task folders the audit looks task ids up in (besides the built-in tasks). */
  tasksDirs?: readonly string[];
}

/** The tamper audit's part of a report (`audit.json` files written by `mlgym audit`). */
export interface AuditOverview {
  /** Reported runs (known tasks, selected models) with an `audit.json`. */
  audited: number;
  /** Reported runs with a high-severity flag. */
  flagged: number;
  /** Reported runs with flags of any severity. */
  withFlags: number;
  /** Paths of the flagged runs. */
  flaggedRuns: string[];
  /** `[model][taskId]`: flagged runs, left out of `clean`. */
  excluded: Record<string, Record<string, number>>;
  /** The score analysis of the runs without a high-severity flag (with `excludeFlagged`). */
  clean?: ScoreAnalysis;
}

/** Everything a report shows, as data (also written as `report.json`). */
export interface ReportData {
  root: string;
  runCount: number;
  scores: ScoreAnalysis;
  runs: RunAnalysis;
  issues: RunIssue[];
  /** Absent in data built by hand; `analyse` always fills it. */
  audit?: AuditOverview;
}

/** Task metadata in report order: the catalogue's order, overridden in place, then extra tasks in given order. */
export function resolveTaskMeta(extra: readonly TaskMeta[] = []): Map<string, TaskMeta> {
  const meta = new Map(TASK_CATALOGUE);
  for (const task of extra) meta.set(task.id, task);
  return meta;
}

/** Groups runs, picks tasks and models, and runs both analyses. Pure apart from its inputs. */
export function analyse(
  root: string,
  loaded: { runs: RunRecord[]; issues: RunIssue[] },
  options: ReportOptions = {},
): ReportData {
  const meta = resolveTaskMeta(options.tasks);
  const issues = [...loaded.issues];
  const known: RunRecord[] = [];
  for (const run of loaded.runs) {
    if (meta.has(run.taskId)) known.push(run);
    else
      issues.push({
        path: run.path,
        kind: "unknown-task",
        message: `task '${run.taskId}' is not in the catalogue (pass --tasks-meta): skipped`,
      });
  }
  const present = new Set(known.map((r) => r.taskId));
  const tasks = [...meta.values()].filter((t) => present.has(t.id));
  const found = orderModels(known.map((r) => r.model).filter((m) => m !== BASELINE));
  const models = options.models ? [...options.models] : found;
  for (const [a, b] of options.compare ?? []) {
    for (const name of [a, b]) {
      if (!models.includes(name) && name !== BASELINE) {
        throw new ConfigError(`unknown model '${name}' (available: ${[BASELINE, ...models].join(", ")})`, {
          field: "--compare",
        });
      }
    }
  }
  const selected = known.filter((r) => models.includes(r.model));
  return {
    root,
    runCount: loaded.runs.length,
    scores: analyseScores(selected, tasks, models, options, issues),
    runs: analyseRuns(selected, tasks, models),
    issues,
    audit: auditOverview(selected, tasks, models, options.excludeFlagged === true),
  };
}

/**
 * Counts the audited and flagged runs; with `excludeFlagged`, analyses the scores without the flagged runs on the
 * same tasks and models (no bootstrap or comparisons). A run without `audit.json` counts as unflagged.
 */
export function auditOverview(
  selected: readonly RunRecord[],
  tasks: readonly TaskMeta[],
  models: readonly string[],
  excludeFlagged: boolean,
): AuditOverview {
  const flaggedRuns = selected.filter((r) => r.audit?.flagged);
  const excluded: AuditOverview["excluded"] = {};
  for (const run of flaggedRuns) {
    const byTask = excluded[run.model] ?? {};
    byTask[run.taskId] = (byTask[run.taskId] ?? 0) + 1;
    excluded[run.model] = byTask;
  }
  const overview: AuditOverview = {
    audited: selected.filter((r) => r.audit !== undefined).length,
    flagged: flaggedRuns.length,
    withFlags: selected.filter((r) => (r.audit?.flags ?? 0) > 0).length,
    flaggedRuns: flaggedRuns.map((r) => r.path),
    excluded,
  };
  if (excludeFlagged) {
    // A flagged run keeps its place with no attempts: it adds no score, and the task baseline it records stays.
    const clean = selected.map((r) => (r.audit?.flagged ? { ...r, attempts: [] } : r));
    overview.clean = analyseScores(clean, tasks, models, {}, []);
  }
  return overview;
}

/** Reads every run folder under `root` and analyses it (auditing runs without `audit.json` first with `excludeFlagged`). */
export async function buildReport(root: string, options: ReportOptions = {}): Promise<ReportData> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new ConfigError("runs directory not found", { file: root });
  if (options.excludeFlagged)
    await auditRuns(root, { tasksDirs: options.tasksDirs ?? [], onlyMissing: true });
  return analyse(root, await loadRuns(root), options);
}
