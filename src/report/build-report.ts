import { stat } from "node:fs/promises";
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
}

/** Everything a report shows, as data (also written as `report.json`). */
export interface ReportData {
  root: string;
  runCount: number;
  scores: ScoreAnalysis;
  runs: RunAnalysis;
  issues: RunIssue[];
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
  };
}

/** Reads every run folder under `root` and analyses it. */
export async function buildReport(root: string, options: ReportOptions = {}): Promise<ReportData> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new ConfigError("runs directory not found", { file: root });
  return analyse(root, await loadRuns(root), options);
}
