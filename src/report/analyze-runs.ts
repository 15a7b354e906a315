import { ACTION_CATEGORIES, type ActionCategory } from "../metrics/actions.js";
import { bestValue } from "../metrics/attempts.js";
import { exitStatusCategories, isIncomplete } from "../metrics/exit-status.js";
import type { RunRecord } from "./load-runs.js";
import type { TaskMeta } from "./task-meta.js";

/** Summed API usage of a group of runs (from `.traj` `info.model_stats`). */
export interface Usage {
  runs: number;
  /** Runs whose trajectory recorded a cost; the mean cost divides by this. */
  runsWithCost: number;
  cost: number;
  tokensSent: number;
  tokensReceived: number;
  apiCalls: number;
}

/** How the runs of a group ended. */
export interface Outcomes {
  runs: number;
  /** No usable attempt (no results.json, empty agent list, metric never present), not for infrastructure. */
  failed: number;
  /** Ended because of infrastructure (API, sandbox): not the agent's failure (with `--include-infrastructure-failures`). */
  infrastructure: number;
  /** Has a score but ended neither submitted nor at the step limit (needs the `.traj`). */
  incomplete: number;
  withTrajectory: number;
}

/** The validation trail of one run: the priority metric of each attempt in order (null = unusable entry). */
export interface ScoreTrail {
  taskId: string;
  model: string;
  path: string;
  values: Array<number | null>;
}

/** Everything the report derives from runs besides the scores: cost, exit statuses, actions, trails. */
export interface RunAnalysis {
  usageByModel: Record<string, Usage>;
  /** `[model][taskId]`. */
  usageByModelTask: Record<string, Record<string, Usage>>;
  /** Exit-status categories (a run may count in two, e.g. Evaluation + Format). */
  exitCategoriesByModel: Record<string, Record<string, number>>;
  exitCategoriesByTask: Record<string, Record<string, number>>;
  /** Raw (normalised) exit statuses over all runs. */
  exitStatuses: Record<string, number>;
  outcomesByModel: Record<string, Outcomes>;
  outcomesByTask: Record<string, Outcomes>;
  actionsByModel: Record<string, Record<ActionCategory, number>>;
  actionsByTask: Record<string, Record<ActionCategory, number>>;
  /** `[category][step]`: how often each category was taken at step i (0-based). */
  actionsByStep: Record<ActionCategory, number[]>;
  trails: ScoreTrail[];
}

const emptyUsage = (): Usage => ({
  runs: 0,
  runsWithCost: 0,
  cost: 0,
  tokensSent: 0,
  tokensReceived: 0,
  apiCalls: 0,
});
const emptyOutcomes = (): Outcomes => ({
  runs: 0,
  failed: 0,
  infrastructure: 0,
  incomplete: 0,
  withTrajectory: 0,
});
const emptyActions = () =>
  Object.fromEntries(ACTION_CATEGORIES.map((c) => [c, 0])) as Record<ActionCategory, number>;

function addUsage(usage: Usage, run: RunRecord): void {
  usage.runs++;
  const t = run.trajectory;
  if (!t) return;
  if (t.cost !== undefined) {
    usage.runsWithCost++;
    usage.cost += t.cost;
  }
  usage.tokensSent += t.tokensSent ?? 0;
  usage.tokensReceived += t.tokensReceived ?? 0;
  usage.apiCalls += t.apiCalls ?? 0;
}

function entry<T>(record: Record<string, T>, key: string, make: () => T): T {
  record[key] ??= make();
  return record[key] as T;
}

/** Cost, outcome, exit-status, action and trail analysis of runs of known tasks and selected models. */
export function analyseRuns(
  runs: readonly RunRecord[],
  tasks: readonly TaskMeta[],
  models: readonly string[],
): RunAnalysis {
  const taskById = new Map(tasks.map((t) => [t.id, t]));
  const result: RunAnalysis = {
    usageByModel: {},
    usageByModelTask: {},
    exitCategoriesByModel: {},
    exitCategoriesByTask: {},
    exitStatuses: {},
    outcomesByModel: {},
    outcomesByTask: {},
    actionsByModel: {},
    actionsByTask: {},
    actionsByStep: Object.fromEntries(ACTION_CATEGORIES.map((c) => [c, []])) as unknown as Record<
      ActionCategory,
      number[]
    >,
    trails: [],
  };
  // Pre-create the groups so every output lists models and tasks in report order.
  for (const model of models) {
    result.usageByModel[model] = emptyUsage();
    result.usageByModelTask[model] = Object.fromEntries(tasks.map((t) => [t.id, emptyUsage()]));
    result.outcomesByModel[model] = emptyOutcomes();
    result.actionsByModel[model] = emptyActions();
    result.exitCategoriesByModel[model] = {};
  }
  for (const task of tasks) {
    result.outcomesByTask[task.id] = emptyOutcomes();
    result.actionsByTask[task.id] = emptyActions();
    result.exitCategoriesByTask[task.id] = {};
  }
  for (const run of runs) {
    const task = taskById.get(run.taskId);
    if (!task || !models.includes(run.model)) continue;
    addUsage(entry(result.usageByModel, run.model, emptyUsage), run);
    addUsage(
      entry(
        entry(result.usageByModelTask, run.model, () => ({})),
        task.id,
        emptyUsage,
      ),
      run,
    );
    const values = run.values ?? [];
    const infrastructure = run.infrastructure !== undefined;
    const failed = !infrastructure && bestValue(values, task.direction) === undefined;
    const categories = run.trajectory
      ? infrastructure
        ? ["Infrastructure"]
        : exitStatusCategories(run.trajectory.exitStatus)
      : undefined;
    for (const outcomes of [
      entry(result.outcomesByModel, run.model, emptyOutcomes),
      entry(result.outcomesByTask, task.id, emptyOutcomes),
    ]) {
      outcomes.runs++;
      if (failed) outcomes.failed++;
      if (infrastructure) outcomes.infrastructure++;
      if (categories) outcomes.withTrajectory++;
      if (!failed && !infrastructure && categories && isIncomplete(categories)) outcomes.incomplete++;
    }
    if (run.trajectory && categories) {
      const status = run.trajectory.exitStatus;
      result.exitStatuses[status] = (result.exitStatuses[status] ?? 0) + 1;
      for (const counts of [
        entry<Record<string, number>>(result.exitCategoriesByModel, run.model, () => ({})),
        entry<Record<string, number>>(result.exitCategoriesByTask, task.id, () => ({})),
      ]) {
        for (const c of categories) counts[c] = (counts[c] ?? 0) + 1;
      }
      const byModel = entry(result.actionsByModel, run.model, emptyActions);
      const byTask = entry(result.actionsByTask, task.id, emptyActions);
      run.trajectory.categories.forEach((index, step) => {
        const category = ACTION_CATEGORIES[index] ?? "Bash";
        byModel[category]++;
        byTask[category]++;
        const perStep = result.actionsByStep[category];
        perStep[step] = (perStep[step] ?? 0) + 1;
      });
    }
    if (values.length > 0) {
      result.trails.push({ taskId: task.id, model: run.model, path: run.path, values });
    }
  }
  for (const perStep of Object.values(result.actionsByStep)) {
    for (let i = 0; i < perStep.length; i++) perStep[i] ??= 0;
  }
  return result;
}
