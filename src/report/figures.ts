import { ACTION_CATEGORIES } from "../metrics/actions.js";
import { BASELINE } from "./analyze-scores.js";
import type { ReportData } from "./build-report.js";
import {
  aupVsCostChart,
  type CostPoint,
  performanceProfileChart,
  type SeriesStyle,
  scoreTrailChart,
  stackedBarChart,
} from "./charts.js";
import { type DisplayNames, identityNames } from "./display-names.js";

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

/** The report's names and colours as a chart style: a model keeps its colour in every figure. */
export function reportStyle(data: ReportData): SeriesStyle {
  const names: DisplayNames = (data as { names?: DisplayNames }).names ?? identityNames;
  const methods = data.scores.methods;
  return {
    label: (id) => names.label(id),
    colour: (id) => {
      const i = methods.indexOf(id);
      return names.colour(id, i >= 0 ? i : methods.length + id.length);
    },
  };
}

/** A figure that could not be drawn, and why. */
export interface SkippedFigure {
  name: string;
  reason: string;
}

/**
 * Every figure the data supports: trajectory-based figures only when `.traj` files were found, the cost figure
 * only when some model has a recorded, non-zero cost. A figure whose input cannot be drawn is left out and
 * reported through `onSkip` (default: a warning on stderr), so one bad figure never costs the others.
 */
export function buildFigures(
  data: ReportData,
  onSkip: (skipped: SkippedFigure) => void = (s) =>
    process.stderr.write(`warning: figure ${s.name} skipped: ${s.reason}\n`),
): Figure[] {
  const { scores, runs } = data;
  const figures: Figure[] = [];
  if (scores.tasks.length === 0) return figures;
  const style = reportStyle(data);
  const add = (name: string, title: string, draw: () => string) => {
    try {
      figures.push({ name, title, svg: draw() });
    } catch (error) {
      onSkip({ name, reason: (error as Error).message });
    }
  };
  const runsPerModel = Math.max(0, ...scores.runValues.flat().map((v) => v.paths.length));
  const taskName = (id: string) => scores.tasks.find((t) => t.id === id)?.displayName ?? id;
  const modelName = (id: string) => style.label(id);
  add("performance_profiles", "Performance profiles (best attempt, best submission)", () =>
    performanceProfileChart(scores, runsPerModel, style),
  );

  const costPoints: CostPoint[] = scores.models.flatMap((model) => {
    const usage = runs.usageByModel[model];
    if (!usage || usage.runsWithCost === 0) return [];
    return [
      {
        model,
        cost: usage.cost / usage.runsWithCost,
        aup: scores.best.aup[scores.methods.indexOf(model)] ?? Number.NaN,
      },
    ];
  });
  // No recorded cost (runs without model_stats) or only zeros: the figure would say nothing true, so it is not drawn.
  if (costPoints.some((p) => p.cost > 0))
    add("aup_vs_cost", "Best AUP vs mean cost per run", () => aupVsCostChart(costPoints, style));

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
  add("outcomes_per_model", "Run outcomes per model", () =>
    groupBars("Run outcomes per model", "runs", outcomeGroups(runs.outcomesByModel), outcomeKeys, modelName),
  );
  add("outcomes_per_task", "Run outcomes per task", () =>
    groupBars("Run outcomes per task", "runs", outcomeGroups(runs.outcomesByTask), outcomeKeys, taskName),
  );

  if (Object.keys(runs.exitStatuses).length > 0) {
    const keys = categoryKeys({ ...runs.exitCategoriesByModel, ...runs.exitCategoriesByTask });
    add("exit_status_per_model", "Exit-status categories per model", () =>
      groupBars("Exit-status categories per model", "runs", runs.exitCategoriesByModel, keys, modelName),
    );
    add("exit_status_per_task", "Exit-status categories per task", () =>
      groupBars("Exit-status categories per task", "runs", runs.exitCategoriesByTask, keys, taskName),
    );
    add("actions_per_model", "Actions per model", () =>
      groupBars("Actions per model", "actions", runs.actionsByModel, ACTION_CATEGORIES, modelName),
    );
    add("actions_per_task", "Actions per task", () =>
      groupBars("Actions per task", "actions", runs.actionsByTask, ACTION_CATEGORIES, taskName),
    );
  }

  scores.tasks.forEach((task, t) => {
    const trails = runs.trails.filter((trail) => trail.taskId === task.id);
    if (trails.length === 0) return;
    const baseline = scores.best.scores[t]?.[scores.methods.indexOf(BASELINE)] ?? Number.NaN;
    add(`score_trail_${task.id}`, `${task.displayName}: ${task.priorityMetric} over validations`, () =>
      scoreTrailChart({
        title: task.displayName,
        metric: task.priorityMetric,
        baseline,
        models: scores.models,
        trails,
        style,
      }),
    );
  });
  return figures;
}
