import type { Direction } from "./types.js";

/** The original's slack on the worst feasible ratio for infeasible or missing methods. */
export const PENALTY_EPSILON = 0.05;
/** Number of points of the original's τ grid (numpy `linspace(0, τmax, 500)`). */
export const TAU_POINTS = 500;

/** One task's scores for every method (baseline included, NaN for missing) and the baseline they are judged against. */
export interface TaskScores {
  scores: readonly number[];
  baseline: number;
  direction: Direction;
}

/** Ratios of every method on one task and the integer bound `ceil(worstRatio·(1+ε))` that feeds the τ grid. */
export interface TaskRatios {
  ratios: number[];
  /** Undefined when no method is feasible or the bound is not finite (a zero score among the feasible ones). */
  bound: number | undefined;
}

/**
 * Feasible = a score >= 0 and not worse than the baseline (the baseline is judged by the same rule, so a
 * negative baseline is infeasible). NaN is never feasible.
 */
export function isFeasible(score: number, baseline: number, direction: Direction): boolean {
  if (Number.isNaN(score) || score < 0) return false;
  return direction === "maximize" ? score >= baseline : score <= baseline;
}

/**
 * Performance ratios of one task (1 = the best feasible method, larger = worse). Infeasible or missing methods
 * get `worstRatio·(1+ε)`. When nothing is feasible every ratio is +Infinity: the task counts for no method.
 */
export function performanceRatios(task: TaskScores, epsilon = PENALTY_EPSILON): TaskRatios {
  const { scores, baseline, direction } = task;
  const feasible = scores.filter((s) => isFeasible(s, baseline, direction));
  if (feasible.length === 0) return { ratios: scores.map(() => Number.POSITIVE_INFINITY), bound: undefined };
  const maximize = direction === "maximize";
  const best = maximize ? Math.max(...feasible) : Math.min(...feasible);
  const worst = maximize ? Math.min(...feasible) : Math.max(...feasible);
  // A zero among the feasible scores gives 0/0 or x/0: treat those as "never reached" rather than NaN.
  // A method equal to the best has ratio 1 even when the best is 0; any other ratio that is not a number >= 1
  // (x/0, overflow to Infinity, underflow) counts as "never reached" rather than NaN or a ratio below 1.
  const ratioOf = (score: number) => {
    if (score === best) return 1;
    const ratio = maximize ? best / score : score / best;
    return ratio >= 1 ? ratio : Number.POSITIVE_INFINITY;
  };
  const penalty = ratioOf(worst) * (1 + epsilon);
  const ratios = scores.map((s) => (isFeasible(s, baseline, direction) ? ratioOf(s) : penalty));
  const bound = Math.ceil(penalty);
  return { ratios, bound: Number.isFinite(bound) ? bound : undefined };
}

/** numpy `linspace(start, stop, num)`: i·step + start, the last point set to `stop` exactly. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num <= 0) return [];
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const points = Array.from({ length: num }, (_, i) => i * step + start);
  points[num - 1] = stop;
  return points;
}

/** The original's grid: τmax = ceil(10·log10(max bound)) / 10 over every task's bound (best and last together). */
export function tauGrid(bounds: ReadonlyArray<number | undefined>, points = TAU_POINTS): number[] {
  return linspace(0, dataTauMax(bounds), points);
}

/** The original's data-dependent τmax: ceil(10·log10(max bound)) / 10 (0.4 when no bound is finite). */
export function dataTauMax(bounds: ReadonlyArray<number | undefined>): number {
  let maxBound = 2;
  let any = false;
  for (const b of bounds) {
    if (b === undefined || !Number.isFinite(b) || b < 1) continue;
    maxBound = any ? Math.max(maxBound, b) : b;
    any = true;
  }
  // A bound of 1 (impossible from ceil(ratio·1.05) but harmless) would give a grid of zero width.
  return Math.max(Math.ceil(10 * Math.log10(maxBound)) / 10, 0.1);
}

/**
 * Performance profile of each method: ρ_m(τ) = share of tasks with log10(ratio) <= τ.
 * `ratiosByTask[t][m]` is method m's ratio on task t; the result is `[m][i]` over the grid.
 */
export function performanceProfiles(
  ratiosByTask: ReadonlyArray<readonly number[]>,
  taus: readonly number[],
): number[][] {
  const taskCount = ratiosByTask.length;
  if (taskCount === 0) return [];
  const methodCount = ratiosByTask[0]?.length ?? 0;
  const profiles: number[][] = [];
  for (let m = 0; m < methodCount; m++) {
    // NaN (a ratio that is not a number) sorts last and never counts.
    const logs = ratiosByTask
      .map((row) => {
        const log = Math.log10(row[m] ?? Number.POSITIVE_INFINITY);
        return Number.isNaN(log) ? Number.POSITIVE_INFINITY : log;
      })
      .sort((a, b) => a - b);
    let covered = 0;
    profiles.push(
      taus.map((tau) => {
        while (covered < logs.length && (logs[covered] as number) <= tau) covered++;
        return covered / taskCount;
      }),
    );
  }
  return profiles;
}

/** Area under a profile by the left Riemann sum over the grid (unrounded). */
export function areaUnderProfile(profile: readonly number[], taus: readonly number[]): number {
  let area = 0;
  for (let i = 0; i + 1 < taus.length; i++)
    area += ((taus[i + 1] as number) - (taus[i] as number)) * (profile[i] as number);
  return area;
}

/** Ratios, profiles and AUP (unrounded) of every method for one set of tasks on a given grid. */
export interface ProfileResult {
  ratiosByTask: number[][];
  profiles: number[][];
  aup: number[];
}

/** Profiles and AUP of one set of tasks on a fixed grid (bootstrap replicates reuse the point estimate's grid). */
export function profileOnGrid(tasks: readonly TaskScores[], taus: readonly number[]): ProfileResult {
  const ratiosByTask = tasks.map((t) => performanceRatios(t).ratios);
  const profiles = performanceProfiles(ratiosByTask, taus);
  return { ratiosByTask, profiles, aup: profiles.map((p) => areaUnderProfile(p, taus)) };
}

/**
 * Profiles of best and last scores on one τ grid: `[0, tauMax]` when given (a fixed range, so AUPs of reports
 * over different runs are comparable), else the original's grid from the bounds of both sets.
 */
export function bestAndLastProfiles(
  best: readonly TaskScores[],
  last: readonly TaskScores[],
  tauMax?: number,
): { taus: number[]; best: ProfileResult; last: ProfileResult } {
  const taus =
    tauMax === undefined
      ? tauGrid([...best, ...last].map((t) => performanceRatios(t).bound))
      : linspace(0, tauMax, TAU_POINTS);
  return { taus, best: profileOnGrid(best, taus), last: profileOnGrid(last, taus) };
}
