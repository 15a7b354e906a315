import { ACTION_CATEGORIES } from "../metrics/actions.js";
import { BASELINE } from "./analyze-scores.js";
import type { ReportData } from "./build-report.js";
import { aupVsCostChart, performanceProfileChart, scoreTrailChart, stackedBarChart } from "./charts.js";

/** A rendered figure: file stem, caption and SVG text. */
export interface Figure {
  name: string;
  title: string;
  svg: string;
}

// Order of exit-status categories in legends; others follow alphabetically.
const CATEGORY_ORDER = [
  "Success",
  "Max Steps",
  "Context",
  "Cost",
  "Format",
  "Evaluation",
  "Submit",
  "API",
  "Runtime",
];

function categoryKeys(groups: Record<string, Record<string, number>>): string[] {
  const seen = new Set(Object.values(groups).flatMap((g) => Object.keys(g)));
  return [
    ...CATEGORY_ORDER.filter((c) => seen.has(c)),
    ...[...seen].filter((c) => !CATEGORY_ORDER.includes(c)).sort(),
  ];
}

function groupBars(
  title: string,
  xLabel: string,
  groups: Record<string, Record<string, number>>,
  keys: readonly string[],
  label: (id: string) => string,
) {
  const rows = Object.keys(groups);
  return stackedBarChart({
    title,
    xLabel,
    rows: rows.map(label),
    keys,
    values: rows.map((r) => keys.map((k) => groups[r]?.[k] ?? 0)),
  });
}

/** Every figure the data supports: trajectory-based figures only when `.traj` files were found. */
export function buildFigures(data: ReportData): Figure[] {
  const { scores, runs } = data;
  const figures: Figure[] = [];
  if (scores.tasks.length === 0) return figures;
  const runsPerModel = Math.max(0, ...scores.runValues.flat().map((v) => v.paths.length));
  const taskName = (id: string) => scores.tasks.find((t) => t.id === id)?.displayName ?? id;
  const self = (id: string) => id;
  figures.push({
    name: "performance_profiles",
    title: "Performance profiles (best attempt, best submission)",
    svg: performanceProfileChart(scores, runsPerModel),
  });

  const costPoints = scores.models.flatMap((model, i) => {
    const usage = runs.usageByModel[model];
    if (!usage || usage.runsWithCost === 0) return [];
    return [
      {
        model,
        cost: usage.cost / usage.runsWithCost,
        aup: scores.best.aup[scores.methods.indexOf(model)] ?? 0,
        index: i + 1,
      },
    ];
  });
  if (costPoints.length > 0)
    figures.push({
      name: "aup_vs_cost",
      title: "Best AUP vs mean cost per run",
      svg: aupVsCostChart(costPoints),
    });

  const outcomeKeys = ["scored", "scored, incomplete exit", "failed (no score)"];
  const outcomeGroups = (byGroup: Record<string, { runs: number; failed: number; incomplete: number }>) =>
    Object.fromEntries(
      Object.entries(byGroup).map(([id, o]) => [
        id,
        {
          scored: o.runs - o.failed - o.incomplete,
          "scored, incomplete exit": o.incomplete,
          "failed (no score)": o.failed,
        },
      ]),
    );
  figures.push({
    name: "outcomes_per_model",
    title: "Run outcomes per model",
    svg: groupBars("Run outcomes per model", "runs", outcomeGroups(runs.outcomesByModel), outcomeKeys, self),
  });
  figures.push({
    name: "outcomes_per_task",
    title: "Run outcomes per task",
    svg: groupBars(
      "Run outcomes per task",
      "runs",
      outcomeGroups(runs.outcomesByTask),
      outcomeKeys,
      taskName,
    ),
  });

  if (Object.keys(runs.exitStatuses).length > 0) {
    const keys = categoryKeys({ ...runs.exitCategoriesByModel, ...runs.exitCategoriesByTask });
    figures.push({
      name: "exit_status_per_model",
      title: "Exit-status categories per model",
      svg: groupBars("Exit-status categories per model", "runs", runs.exitCategoriesByModel, keys, self),
    });
    figures.push({
      name: "exit_status_per_task",
      title: "Exit-status categories per task",
      svg: groupBars("Exit-status categories per task", "runs", runs.exitCategoriesByTask, keys, taskName),
    });
    figures.push({
      name: "actions_per_model",
      title: "Actions per model",
      svg: groupBars("Actions per model", "actions", runs.actionsByModel, ACTION_CATEGORIES, self),
    });
    figures.push({
      name: "actions_per_task",
      title: "Actions per task",
      svg: groupBars("Actions per task", "actions", runs.actionsByTask, ACTION_CATEGORIES, taskName),
    });
  }

  scores.tasks.forEach((task, t) => {
    const trails = runs.trails.filter((trail) => trail.taskId === task.id);
    if (trails.length === 0) return;
    const baseline = scores.best.scores[t]?.[scores.methods.indexOf(BASELINE)] ?? Number.NaN;
    figures.push({
      name: `score_trail_${task.id}`,
      title: `${task.displayName}: ${task.priorityMetric} over validations`,
      svg: scoreTrailChart({
        title: task.displayName,
        metric: task.priorityMetric,
        baseline,
        models: scores.models,
        trails,
      }),
    });
  });
  return figures;
}
