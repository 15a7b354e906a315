import { stat } from "node:fs/promises";
import { ConfigError } from "../errors.js";
import { analyseRuns, type RunAnalysis } from "./analyze-runs.js";
import { analyseScores, BASELINE, type ScoreAnalysis, type ScoreOptions } from "./analyze-scores.js";
import { BENCHMARK_TAU_MAX, orderModels, TASK_CATALOGUE } from "./catalogue.js";
import { type DisplayNames, identityNames } from "./display-names.js";
import { loadRuns, type RunIssue, type RunRecord } from "./load-runs.js";
import { registryTaskMeta, type TaskMeta } from "./task-meta.js";

/** Options of {@link buildReport}. */
export interface ReportOptions extends Omit<ScoreOptions, "tauMax" | "tauSource"> {
  /**
   * τmax of the profiles: default the benchmark's fixed {@link BENCHMARK_TAU_MAX} (AUPs comparable across
   * reports), a number to set it, `"auto"` for the original's data-dependent rule.
   */
  tauMax?: number | "auto";
  /** Metadata for tasks outside the catalogue (or overriding it), e.g. from `--tasks-meta`. */
  tasks?: readonly TaskMeta[];
  /** Models to report, in column order (default: every model found, known models first). */
  models?: readonly string[];
  /** Also analyse the runs without a high-severity tamper flag; runs lacking `audit.json` are audited first. */
  excludeFlagged?: boolean;
  /** Task folders searched for task YAMLs (before the built-in tasks), for metadata and the audit. */
  tasksDirs?: readonly string[];
  /** Folders task YAMLs may name paths in (`--data-root`). */
  dataRoots?: readonly string[];
  /** Score runs that ended because of infrastructure too (left out by default). */
  includeInfrastructureFailures?: boolean;
  /** Labels and colours of models in tables and figures (default: ids as labels). */
  names?: DisplayNames;
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

/** Runs that ended because of infrastructure (API unreachable, auth, unknown model, sandbox), not the agent. */
export interface InfrastructureOverview {
  /** Such runs among the reported models and tasks. */
  count: number;
  /** Whether they are scored (`--include-infrastructure-failures`); by default they are left out. */
  included: boolean;
  byKind: Record<string, number>;
  runs: Array<{ path: string; model: string; taskId: string; kind: string; message: string; source: string }>;
}

/** Which model lacks runs of which reported task (the AUP counts a missing task as not solved). */
export interface CoverageGap {
  model: string;
  missing: string[];
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
  /** Labels and colours of models (ids by default). */
  names: DisplayNames;
  /** Things a reader must know before trusting the numbers (printed on stderr and in summary.md). */
  warnings: string[];
  infrastructure?: InfrastructureOverview;
  coverage?: CoverageGap[];
}

/** Task metadata in report order: the catalogue's order, overridden in place, then extra tasks in given order. */
export function resolveTaskMeta(extra: readonly TaskMeta[] = []): Map<string, TaskMeta> {
  const meta = new Map(TASK_CATALOGUE);
  for (const task of extra) meta.set(task.id, task);
  return meta;
}

/**
 * How task ids are known: `--tasks-meta` entries, then the paper's catalogue, then the task registry (task YAMLs
 * in `tasksDirs` and the built-in tasks), looked up by `prepare` for the ids the catalogue lacks. Notes on
 * unreadable task YAMLs go to `notes`.
 */
export function taskResolver(
  options: ReportOptions,
  notes: string[],
): {
  prepare: (ids: Iterable<string>) => Promise<void>;
  taskOf: (id: string) => TaskMeta | undefined;
  order: (ids: Iterable<string>) => TaskMeta[];
} {
  const fixed = resolveTaskMeta(options.tasks);
  const registry = new Map<string, TaskMeta>();
  const prepare = async (ids: Iterable<string>) => {
    const missing = [...new Set(ids)].filter((id) => !fixed.has(id) && !registry.has(id));
    const lookup = { tasksDirs: options.tasksDirs ?? [], dataRoots: options.dataRoots ?? [] };
    for (const [id, meta] of await registryTaskMeta(missing, lookup, (note) => notes.push(note)))
      registry.set(id, meta);
  };
  const taskOf = (id: string) => fixed.get(id) ?? registry.get(id);
  const order = (ids: Iterable<string>) => {
    const present = new Set(ids);
    const listed = [...fixed.values()].filter((t) => present.has(t.id));
    const others = [...present]
      .filter((id) => !fixed.has(id))
      .sort()
      .flatMap((id) => {
        const meta = registry.get(id);
        return meta ? [meta] : [];
      });
    return [...listed, ...others];
  };
  return { prepare, taskOf, order };
}

function scoreOptions(options: ReportOptions): ScoreOptions {
  const { tauMax, ...rest } = options;
  if (tauMax === "auto") return rest;
  if (tauMax === undefined) return { ...rest, tauMax: BENCHMARK_TAU_MAX, tauSource: "benchmark" };
  return { ...rest, tauMax, tauSource: "flag" };
}

function infrastructureOverview(runs: readonly RunRecord[], included: boolean): InfrastructureOverview {
  const byKind: Record<string, number> = {};
  const list: InfrastructureOverview["runs"] = [];
  for (const run of runs) {
    const failure = run.infrastructure;
    if (!failure) continue;
    byKind[failure.kind] = (byKind[failure.kind] ?? 0) + 1;
    list.push({
      path: run.path,
      model: run.model,
      taskId: run.taskId,
      kind: failure.kind,
      message: failure.message,
      source: failure.source,
    });
  }
  return { count: list.length, included, byKind, runs: list };
}

function coverageGaps(runs: readonly RunRecord[], tasks: readonly TaskMeta[], models: readonly string[]) {
  const covered = new Set(runs.map((r) => `${r.model}\u0000${r.taskId}`));
  return models.flatMap((model) => {
    const missing = tasks.filter((t) => !covered.has(`${model}\u0000${t.id}`)).map((t) => t.id);
    return missing.length > 0 ? [{ model, missing }] : [];
  });
}

/** The warning lines of coverage gaps, infrastructure failures and the τ range. */
function warningsOf(data: Omit<ReportData, "warnings">): string[] {
  const warnings: string[] = [];
  const infra = data.infrastructure;
  if (infra && infra.count > 0) {
    const kinds = Object.entries(infra.byKind)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
    warnings.push(
      infra.included
        ? `${infra.count} runs ended because of infrastructure (${kinds}) and are scored like the agent's runs (--include-infrastructure-failures)`
        : `${infra.count} runs ended because of infrastructure (${kinds}): left out of the scores (--include-infrastructure-failures scores them)`,
    );
  }
  const T = data.scores.tasks.length;
  for (const gap of data.coverage ?? []) {
    const label = data.names.label(gap.model);
    warnings.push(
      `${label} has no runs of ${gap.missing.length} of ${T} tasks (${gap.missing.join(", ")}): each counts as worse than every feasible method there (ratio worst·1.05), so its AUP is lower than on the tasks it ran; compare AUPs only over the same tasks`,
    );
  }
  const range = data.scores.tauRange;
  if (range.beyond > 0)
    warnings.push(
      `${range.beyond} method-task ratios lie beyond τmax = ${range.max} (log10 scale): they count as not reached within the range`,
    );
  return warnings;
}

/** Groups runs, picks tasks and models, and runs both analyses. Pure apart from its inputs. */
export function analyse(
  root: string,
  loaded: { runs: RunRecord[]; issues: RunIssue[]; folders?: number },
  options: ReportOptions = {},
  order: (ids: Iterable<string>) => TaskMeta[] = (ids) => {
    const fixed = resolveTaskMeta(options.tasks);
    const present = new Set(ids);
    return [...fixed.values()].filter((t) => present.has(t.id));
  },
): ReportData {
  const issues = [...loaded.issues];
  const tasks = order(loaded.runs.map((r) => r.taskId));
  const taskIds = new Set(tasks.map((t) => t.id));
  const known = loaded.runs.filter((r) => taskIds.has(r.taskId));
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
  const inModels = known.filter((r) => models.includes(r.model));
  const includeInfra = options.includeInfrastructureFailures === true;
  const infrastructure = infrastructureOverview(inModels, includeInfra);
  for (const run of infrastructure.runs) {
    issues.push({
      path: run.path,
      kind: "infrastructure-failure",
      message: `ended because of infrastructure (${run.kind}: ${run.message})${includeInfra ? "" : ": left out of the scores"}`,
    });
  }
  const selected = includeInfra ? inModels : inModels.filter((r) => r.infrastructure === undefined);
  // A model or task whose every run was left out has nothing to score: it would only dilute the profiles.
  const scoredTasks = tasks.filter((t) => selected.some((r) => r.taskId === t.id));
  const scoredModels = options.models ? models : models.filter((m) => selected.some((r) => r.model === m));
  for (const model of models.filter((m) => !scoredModels.includes(m)))
    issues.push({
      path: root,
      kind: "infrastructure-failure",
      message: `model ${model}: every run ended because of infrastructure; not in the tables`,
    });
  for (const task of tasks.filter((t) => !scoredTasks.includes(t)))
    issues.push({
      path: root,
      kind: "infrastructure-failure",
      message: `task ${task.id}: every run ended because of infrastructure; not in the tables`,
    });
  const names = options.names ?? identityNames;
  const partial: Omit<ReportData, "warnings"> = {
    root,
    runCount: loaded.folders ?? loaded.runs.length,
    scores: analyseScores(selected, scoredTasks, scoredModels, scoreOptions(options), issues),
    runs: analyseRuns(selected, scoredTasks, scoredModels),
    issues,
    audit: auditOverview(selected, scoredTasks, scoredModels, options.excludeFlagged === true),
    names,
    infrastructure,
    coverage: coverageGaps(selected, scoredTasks, scoredModels),
  };
  return { ...partial, warnings: warningsOf(partial) };
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
    const clean = selected.map((r) => (r.audit?.flagged ? { ...r, values: [] } : r));
    overview.clean = analyseScores(clean, tasks, models, {}, []);
  }
  return overview;
}

/** Reads every run folder under `root` and analyses it (auditing runs without `audit.json` first with `excludeFlagged`). */
export async function buildReport(root: string, options: ReportOptions = {}): Promise<ReportData> {
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) throw new ConfigError("runs directory not found", { file: root });
  if (options.excludeFlagged) {
    const { auditRuns } = await import("../audit/audit-runs.js");
    await auditRuns(root, { tasksDirs: [...(options.tasksDirs ?? [])], onlyMissing: true });
  }
  const notes: string[] = [];
  const tasks = taskResolver(options, notes);
  const loaded = await loadRuns(root, tasks.taskOf, tasks.prepare);
  const data = analyse(root, loaded, options, tasks.order);
  data.warnings.push(...notes);
  return data;
}
