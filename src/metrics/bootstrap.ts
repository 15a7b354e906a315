import { aggregateRuns } from "./attempts.js";
import { profileOnGrid, type TaskScores } from "./profiles.js";
import { type Direction, isBetter } from "./types.js";

/** A seeded uniform [0, 1) generator (mulberry32): small, fast and the same on every platform. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A two-sided percentile interval. */
export interface Interval {
  low: number;
  high: number;
}

/** numpy's default (linear) percentile of an ascending array; NaN for an empty one. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (q / 100) * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const a = sorted[lower] as number;
  const b = sorted[upper] as number;
  return a + (b - a) * (position - lower);
}

/** The central `level` interval of bootstrap samples, ignoring NaN replicates; undefined if none is left. */
export function percentileInterval(samples: readonly number[], level = 0.95): Interval | undefined {
  const sorted = samples.filter((s) => !Number.isNaN(s)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const tail = ((1 - level) / 2) * 100;
  return { low: percentile(sorted, tail), high: percentile(sorted, 100 - tail) };
}

/** Draws `values.length` values with replacement. */
export function resample<T>(values: readonly T[], random: () => number): T[] {
  return values.map(() => values[Math.floor(random() * values.length)] as T);
}

/** Bootstrap samples of a model's task score: resample its runs (failed runs included) and take the best. */
export function bootstrapTaskScore(
  runValues: ReadonlyArray<number | undefined>,
  direction: Direction,
  replicates: number,
  random: () => number,
): number[] {
  return Array.from({ length: replicates }, () => aggregateRuns(resample(runValues, random), direction));
}

/** One task for the AUP bootstrap: the fixed baseline and every model's per-run values. */
export interface BootstrapTask {
  direction: Direction;
  baseline: number;
  /** `runValues[m]`: model m's per-run values (undefined = failed run). */
  runValues: ReadonlyArray<ReadonlyArray<number | undefined>>;
}

/**
 * Bootstrap samples of AUP for the baseline and every model (`[method][replicate]`, baseline first): each
 * replicate resamples every model's runs per task, rebuilds the task scores and integrates on the fixed grid.
 */
export function bootstrapAup(
  tasks: readonly BootstrapTask[],
  taus: readonly number[],
  replicates: number,
  random: () => number,
): number[][] {
  const methodCount = 1 + (tasks[0]?.runValues.length ?? 0);
  const samples: number[][] = Array.from({ length: methodCount }, () => []);
  for (let r = 0; r < replicates; r++) {
    const replicate: TaskScores[] = tasks.map((task) => ({
      baseline: task.baseline,
      direction: task.direction,
      scores: [
        task.baseline,
        ...task.runValues.map((runs) => aggregateRuns(resample(runs, random), task.direction)),
      ],
    }));
    profileOnGrid(replicate, taus).aup.forEach((aup, m) => {
      samples[m]?.push(aup);
    });
  }
  return samples;
}

/** Head-to-head of two methods over tasks and the paired bootstrap of their AUP difference. */
export interface PairedComparison {
  wins: number;
  losses: number;
  ties: number;
  /** Tasks where only one of the two has a score count as a win for that one. */
  tasksCompared: number;
  /** AUP(a) − AUP(b) of the point estimate. */
  aupDifference: number;
  /** Percentile interval of the difference over replicates (undefined without bootstrap samples). */
  interval: Interval | undefined;
  /** Share of replicates where a's AUP is strictly larger. */
  shareABetter: number | undefined;
}

/** Compares method a with method b: per-task wins/losses/ties and, given paired replicates, the AUP difference. */
export function pairedComparison(
  scoresA: readonly number[],
  scoresB: readonly number[],
  directions: readonly Direction[],
  aup: { a: number; b: number },
  samples?: { a: readonly number[]; b: readonly number[] },
): PairedComparison {
  let wins = 0;
  let losses = 0;
  let ties = 0;
  scoresA.forEach((a, t) => {
    const b = scoresB[t] ?? Number.NaN;
    const direction = directions[t] ?? "maximize";
    if (Number.isNaN(a) && Number.isNaN(b)) return;
    if (Number.isNaN(b) || (!Number.isNaN(a) && isBetter(a, b, direction))) wins++;
    else if (Number.isNaN(a) || isBetter(b, a, direction)) losses++;
    else ties++;
  });
  const differences = samples ? samples.a.map((a, r) => a - (samples.b[r] ?? Number.NaN)) : [];
  return {
    wins,
    losses,
    ties,
    tasksCompared: wins + losses + ties,
    aupDifference: aup.a - aup.b,
    interval: samples ? percentileInterval(differences) : undefined,
    shareABetter:
      samples && differences.length > 0
        ? differences.filter((d) => d > 0).length / differences.length
        : undefined,
  };
}
