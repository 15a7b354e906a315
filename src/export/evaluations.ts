import type { Metrics } from "../config/task-config.js";
import { improvementReward } from "../env/reward.js";
import { type Direction, isBetter, metricValue } from "../metrics/types.js";
import type { ReadStep } from "../trajectory/read.js";

/** The observation of a successful `validate` (reference 5.7), the only step output that records an evaluation. */
const VALIDATED = "Your code produced a valid submission artefact at ";

/** Whether an exit status says the episode ended with a successful final evaluation (it added a score). */
export function endedWithEvaluation(exitStatus: string): boolean {
  return exitStatus === "submitted" || exitStatus.startsWith("autosubmission");
}

/**
 * The evaluations of each step, in order, from the episode's list of scores (`info.score` / results.json's
 * `agent`): the trajectory records scores per episode, not per step. Each successful `validate` added one, in
 * order; a final evaluation (`submitted`, `autosubmission (...)`) added the last one, on the last step. When the
 * counts disagree (a damaged file), scores are given in order as far as they go and `matched` is false.
 */
export function stepEvaluations(
  steps: readonly ReadStep[],
  scores: readonly Metrics[],
  exitStatus: string,
): { perStep: Metrics[][]; matched: boolean } {
  const perStep: Metrics[][] = steps.map(() => []);
  const validated = steps.flatMap((s, i) =>
    s.action.trim().startsWith("validate") && s.observation.startsWith(VALIDATED) ? [i] : [],
  );
  const final = endedWithEvaluation(exitStatus) && steps.length > 0 ? 1 : 0;
  const forValidate = Math.max(0, Math.min(validated.length, scores.length - final));
  for (let k = 0; k < forValidate; k++) perStep[validated[k]!]!.push(scores[k]!);
  if (final && scores.length > forValidate) perStep[steps.length - 1]!.push(scores[scores.length - 1]!);
  return { perStep, matched: scores.length === validated.length + final };
}

/** What one step earned, by the definitions of {@link stepRewards}. */
export interface StepReward {
  /** The environment's `improvement` reward: the normalised gain over the best so far (or the baseline), >= 0. */
  reward: number;
  /** The step's score minus the best so far (or the baseline), in the metric's units, positive = better; null without one. */
  scoreDelta: number | null;
  /** The priority-metric value of the step's (last) evaluation; null when the step evaluated nothing usable. */
  score: number | null;
}

/**
 * Rewards per step, from the evaluations of {@link stepEvaluations}: for each evaluation, in order, the reference is
 * the best score so far, or the baseline before any. `reward` is the environment's `improvement` reward (the gain
 * over the reference when positive, divided by |baseline| (1 without a baseline or when it is 0), else 0), so an
 * episode's rewards sum to the normalised gain of its best score over the baseline. `score_delta` is the signed
 * difference to the reference in the metric's units (positive = better in the task's direction); null on steps
 * without an evaluation, and on the first evaluation of a task without a baseline.
 */
export function stepRewards(
  perStep: readonly Metrics[][],
  metric: string | undefined,
  direction: Direction,
  baseline: number | undefined,
): StepReward[] {
  let best: number | undefined;
  const sign = direction === "maximize" ? 1 : -1;
  return perStep.map((evaluations) => {
    let reward = 0;
    let scoreDelta: number | null = null;
    let score: number | null = null;
    for (const metrics of evaluations) {
      const value = metric === undefined ? undefined : metricValue(metrics, metric);
      if (value === undefined) continue;
      const reference = best ?? baseline;
      scoreDelta = reference === undefined ? null : sign * (value - reference);
      const earned = improvementReward(value, best, baseline, direction);
      reward += earned.reward;
      best = earned.best;
      score = value;
    }
    return { reward, scoreDelta, score };
  });
}

/** The best priority-metric value over the evaluations, first on ties; undefined when none is usable. */
export function bestScore(scores: readonly Metrics[], metric: string | undefined, direction: Direction) {
  let best: number | undefined;
  if (metric === undefined) return undefined;
  for (const entry of scores) {
    const value = metricValue(entry, metric);
    if (value !== undefined && (best === undefined || isBetter(value, best, direction))) best = value;
  }
  return best;
}

/**
 * The improvement of the best score over the baseline, in the task's direction, relative to |baseline| (1 when the
 * baseline is 0): 0.1 means 10% better than the baseline. Undefined without a best score or a baseline.
 */
export function improvementOver(
  best: number | undefined,
  baseline: number | undefined,
  direction: Direction,
) {
  if (best === undefined || baseline === undefined) return undefined;
  const sign = direction === "maximize" ? 1 : -1;
  return (sign * (best - baseline)) / (baseline === 0 ? 1 : Math.abs(baseline));
}
