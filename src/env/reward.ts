import type { MetricDirection } from "../config/task-config.js";
import { ConfigError } from "../errors.js";

/** The reward modes an environment knows: `none` (always 0, as the original) or `improvement`. */
export const REWARD_MODES = ["none", "improvement"] as const;
export type RewardMode = (typeof REWARD_MODES)[number];

/**
 * The reward mode of `EnvOptions.reward` (undefined means `none`); anything else is a ConfigError naming the
 * field and the allowed values, so a misspelt mode cannot silently give a reward of 0 forever.
 */
export function parseRewardMode(value: unknown, field = "reward"): RewardMode {
  if (value === undefined) return "none";
  if (typeof value === "string" && (REWARD_MODES as readonly string[]).includes(value))
    return value as RewardMode;
  throw new ConfigError(`unknown reward mode ${JSON.stringify(value)}; allowed: ${REWARD_MODES.join(", ")}`, {
    field,
  });
}

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
