import { aggregateRuns, bestValue, lastValue } from "../metrics/attempts.js";
import {
  bootstrapAup,
  bootstrapTaskScore,
  type Interval,
  type PairedComparison,
  pairedComparison,
  percentileInterval,
  seededRandom,
} from "../metrics/bootstrap.js";
import { bestAndLastProfiles, type TaskScores } from "../metrics/profiles.js";
import { bordaOrder, meanRankOrder, rankMethods } from "../metrics/ranks.js";
import type { RunIssue, RunRecord } from "./load-runs.js";
import type { TaskMeta } from "./task-meta.js";

/** The method name of the task baseline in every table (as in the original). */
export const BASELINE = "baseline";

/** Per-run values of one model on one task. */
export interface RunValues {
  paths: string[];
  /** Best attempt of each run (undefined = failed run). */
  best: Array<number | undefined>;
  /** Last attempt of each run (undefined = failed run or the last entry lacks the metric). */
  last: Array<number | undefined>;
}

/** Scores, ranks, profiles and AUP of one kind of attempt ("best" or "last"). */
export interface AttemptAnalysis {
  /** `[task][method]`, methods = baseline then models; NaN = no score. */
  scores: number[][];
  /** `[task]`: methods from best to worst. */
  ranks: string[][];
  meanRank: string[];
  borda: string[];
  /** `[method]`: unrounded AUP. */
  aup: number[];
  /** `[method][tau]`. */
  profiles: number[][];
  /** `[method]`: 95% bootstrap interval of AUP (with `--bootstrap`). */
  aupInterval?: Array<Interval | undefined>;
  /** `[task][model]`: 95% bootstrap interval of the task score over runs (with `--bootstrap`). */
  scoreInterval?: Array<Array<Interval | undefined>>;
}

/** The score side of a report. */
export interface ScoreAnalysis {
  models: string[];
  /** `[BASELINE, ...models]`: the column order of every table. */
  methods: string[];
  tasks: TaskMeta[];
  taus: number[];
  /** Where τmax comes from: the benchmark's fixed range, `--tau-max`, or the original's rule on this data. */
  tauRange: TauRange;
  /** `[task][model]`. */
  runValues: RunValues[][];
  best: AttemptAnalysis;
  last: AttemptAnalysis;
  bootstrap?: { replicates: number; seed: number };
  comparisons: Array<{ a: string; b: string; best: PairedComparison; last: PairedComparison }>;
}

/** The τ range of the profiles: `[0, max]` on {@link TAU_POINTS} points, and why. */
export interface TauRange {
  min: 0;
  max: number;
  points: number;
  /** `benchmark`: the fixed range of the task set; `flag`: `--tau-max`; `data`: the original's rule (`--tau-max auto`). */
  source: "benchmark" | "flag" | "data";
  /** Method-task ratios whose log10 lies beyond `max` (they count as never reached within the range). */
  beyond: number;
}

/** Options of the score analysis. */
export interface ScoreOptions {
  /** A fixed τmax (AUPs comparable across reports); undefined = the original's data-dependent τmax. */
  tauMax?: number;
  /** How `tauMax` was chosen, recorded in the report (default `flag` when given, `data` when not). */
  tauSource?: "benchmark" | "flag";
  bootstrap?: number;
  seed?: number;
  compare?: ReadonlyArray<readonly [string, string]>;
}

function collectRunValues(runs: readonly RunRecord[], task: TaskMeta, issues: RunIssue[]): RunValues {
  const values: RunValues = { paths: [], best: [], last: [] };
  for (const run of runs) {
    const attempts = run.values ?? [];
    const best = bestValue(attempts, task.direction);
    const last = lastValue(attempts, task.direction);
    if (run.nonFinite > 0) {
      issues.push({
        path: run.path,
        kind: "non-finite-value",
        message: `${run.nonFinite} attempt(s) with a non-finite ${task.priorityMetric}: ignored`,
      });
    }
    if (attempts.length > 0 && best === undefined) {
      issues.push({
        path: run.path,
        kind: "metric-missing",
        message: `no attempt has '${task.priorityMetric}': a failed run`,
      });
    } else if (best !== undefined && last === undefined) {
      issues.push({
        path: run.path,
        kind: "last-metric-missing",
        message: `the last attempt lacks '${task.priorityMetric}': no last score for this run`,
      });
    }
    values.paths.push(run.path);
    values.best.push(best);
    values.last.push(last);
  }
  return values;
}

/** `[task]`: the baseline then every model's score over its runs. */
function taskScoresOf(
  kind: "best" | "last",
  tasks: readonly TaskMeta[],
  baselines: readonly number[],
  runValues: readonly RunValues[][],
): TaskScores[] {
  return tasks.map((task, t) => ({
    baseline: baselines[t] as number,
    direction: task.direction,
    scores: [
      baselines[t] as number,
      ...(runValues[t] ?? []).map((v) => aggregateRuns(v[kind], task.direction)),
    ],
  }));
}

/**
 * The original's analysis (reference 8.2) on runs grouped by task and model, plus optional bootstrap intervals
 * and paired comparisons. `runs` must be in path order; `models` gives the column order.
 */
export function analyseScores(
  runs: readonly RunRecord[],
  tasks: readonly TaskMeta[],
  models: readonly string[],
  options: ScoreOptions,
  issues: RunIssue[],
): ScoreAnalysis {
  const methods = [BASELINE, ...models];
  const byKey = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const key = `${run.taskId}\u0000${run.model}`;
    const group = byKey.get(key);
    if (group) group.push(run);
    else byKey.set(key, [run]);
  }
  const runsOf = (task: TaskMeta, model: string) => byKey.get(`${task.id}\u0000${model}`) ?? [];
  const runValues = tasks.map((task) =>
    models.map((model) => collectRunValues(runsOf(task, model), task, issues)),
  );
  // The baseline comes from the first results.json (model order, then path order) that records it, else from
  // the task's YAML (`baseline_scores`).
  const baselines = tasks.map((task) => {
    for (const model of models) {
      for (const run of runsOf(task, model)) {
        if (run.baseline !== undefined) return run.baseline;
      }
    }
    return task.baseline ?? Number.NaN;
  });
  const best = taskScoresOf("best", tasks, baselines, runValues);
  const last = taskScoresOf("last", tasks, baselines, runValues);
  const tauMax = options.tauMax !== undefined && options.tauMax > 0 ? options.tauMax : undefined;
  const profiles = bestAndLastProfiles(best, last, tauMax);
  const top = profiles.taus.at(-1) ?? 0;
  const beyond = [...profiles.best.ratiosByTask, ...profiles.last.ratiosByTask]
    .flat()
    .filter((r) => Number.isFinite(r) && Math.log10(r) > top).length;
  const tauRange: TauRange = {
    min: 0,
    max: top,
    points: profiles.taus.length,
    source: tauMax === undefined ? "data" : (options.tauSource ?? "flag"),
    beyond,
  };
  const finish = (taskScores: TaskScores[], result: typeof profiles.best): AttemptAnalysis => {
    const scores = taskScores.map((t) => [...t.scores]);
    const ranks = scores.map((row, t) => rankMethods(methods, row, (tasks[t] as TaskMeta).direction));
    return {
      scores,
      ranks,
      meanRank: meanRankOrder(ranks, methods),
      borda: bordaOrder(ranks, methods),
      aup: result.aup,
      profiles: result.profiles,
    };
  };
  const analysis: ScoreAnalysis = {
    models: [...models],
    methods,
    tasks: [...tasks],
    taus: profiles.taus,
    tauRange,
    runValues,
    best: finish(best, profiles.best),
    last: finish(last, profiles.last),
    comparisons: [],
  };
  const replicates = options.bootstrap ?? 0;
  const seed = options.seed ?? 0;
  // AUP replicates per kind, `[method][replicate]`; kept for the paired comparisons below.
  const samples = new Map<"best" | "last", number[][]>();
  if (replicates > 0) {
    (["best", "last"] as const).forEach((kind, k) => {
      const bootTasks = tasks.map((task, t) => ({
        direction: task.direction,
        baseline: baselines[t] as number,
        runValues: (runValues[t] ?? []).map((v) => v[kind]),
      }));
      const aupSamples = bootstrapAup(bootTasks, profiles.taus, replicates, seededRandom(seed + k));
      samples.set(kind, aupSamples);
      analysis[kind].aupInterval = aupSamples.map((s) => percentileInterval(s));
      const random = seededRandom(seed + 2 + k);
      analysis[kind].scoreInterval = tasks.map((task, t) =>
        (runValues[t] ?? []).map((v) =>
          percentileInterval(bootstrapTaskScore(v[kind], task.direction, replicates, random)),
        ),
      );
    });
    analysis.bootstrap = { replicates, seed };
  }
  for (const [a, b] of options.compare ?? []) {
    const ia = methods.indexOf(a);
    const ib = methods.indexOf(b);
    if (ia < 0 || ib < 0) continue;
    const directions = tasks.map((t) => t.direction);
    const compare = (kind: "best" | "last") => {
      const kindSamples = samples.get(kind);
      return pairedComparison(
        analysis[kind].scores.map((row) => row[ia] as number),
        analysis[kind].scores.map((row) => row[ib] as number),
        directions,
        { a: analysis[kind].aup[ia] as number, b: analysis[kind].aup[ib] as number },
        kindSamples ? { a: kindSamples[ia] ?? [], b: kindSamples[ib] ?? [] } : undefined,
      );
    };
    analysis.comparisons.push({ a, b, best: compare("best"), last: compare("last") });
  }
  return analysis;
}
