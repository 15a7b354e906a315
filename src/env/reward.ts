import type { MetricDirection } from "../config/task-config.js";

/**
 * Reward for RL users: the gain of the best score so far, normalised by |baseline| (or 1 without a baseline),
 * positive in the metric's better direction. Summed over an episode it equals the best score's normalised gain.
 */
export function improvementReward(
  score: number | undefined,
  best: number | undefined,
  baseline: number | undefined,
  direction: MetricDirection,
): { reward: number; best: number | undefined } {
  if (score === undefined || !Number.isFinite(score)) return { reward: 0, best };
  const sign = direction === "maximize" ? 1 : -1;
  const reference = best ?? baseline;
  if (reference === undefined) return { reward: 0, best: score };
  const gain = sign * (score - reference);
  if (gain <= 0) return { reward: 0, best: reference };
  const scale = baseline !== undefined && baseline !== 0 ? Math.abs(baseline) : 1;
  return { reward: gain / scale, best: score };
}
