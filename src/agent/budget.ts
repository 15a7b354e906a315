import { ConfigError } from "../errors.js";
import type { Model } from "../models/model.js";

/** A call whose provider-reported cost exceeded what the budget reserved for it; the episode ended there. */
export interface CostOverrun {
  /** The call's worst case, reserved before it started (USD). */
  reserved_usd: number;
  /** What the provider's reported usage came to (USD). */
  reported_usd: number;
  /** The episode's cost limit (USD). */
  limit_usd: number;
}

/** Tolerance of the overrun comparison, for floating-point sums. */
const EPSILON_USD = 1e-9;

/** The model name a `--prices` file would list (`openai:my-model` -> `my-model`). */
function priceKey(model: Model): string {
  return model.id.slice(model.id.indexOf(":") + 1);
}

/**
 * What the cost accounting of an episode can promise with this model. A model whose price is unknown under a cost
 * limit or a batch budget is a ConfigError unless `allowUnpriced`; otherwise the line to warn the user with, or
 * undefined when the cost is known.
 */
export function pricingWarning(
  model: Model,
  limits: { costLimitUsd?: number; batchBudgetUsd?: number; allowUnpriced?: boolean } = {},
): string | undefined {
  if (!model.costUnknown) return undefined;
  const give = `give its price with --prices FILE ('${priceKey(model)}: {input: USD, output: USD}' per million tokens)`;
  const bounds = [
    limits.costLimitUsd === undefined ? undefined : `the cost limit of ${limits.costLimitUsd} USD`,
    limits.batchBudgetUsd === undefined ? undefined : `the batch budget of ${limits.batchBudgetUsd} USD`,
  ].filter((bound) => bound !== undefined);
  if (bounds.length === 0)
    return `no price is known for ${model.id}: the episode's cost is recorded as unknown; ${give}`;
  const what = bounds.join(" and ");
  const it = bounds.length > 1 ? "them" : "it";
  if (!limits.allowUnpriced) {
    throw new ConfigError(
      `no price is known for ${model.id}, so ${what} cannot be enforced; ${give}, or pass --allow-unpriced to run without enforcing ${it}`,
      { field: "--model" },
    );
  }
  return `WARNING: no price is known for ${model.id}, so ${what} ${bounds.length > 1 ? "are" : "is"} NOT enforced (--allow-unpriced); the episode's cost is recorded as unknown; ${give}`;
}

/**
 * The episode's spending against its limit: each call reserves its worst case before it starts and is refused if
 * that could cross the limit; after it, the reported cost is charged (the reservation when the provider reported
 * none), and a report above the reservation is an overrun that ends the episode.
 */
export class CostBudget {
  /** USD charged so far. */
  spent = 0;
  private reserved: number | undefined;

  constructor(readonly limitUsd: number | undefined) {}

  /** Reserves `worstUsd` (undefined: unknown, as for unpriced models) for the next call; false when it may not start. */
  reserve(worstUsd: number | undefined): boolean {
    this.reserved = worstUsd;
    if (this.limitUsd === undefined || worstUsd === undefined) return true;
    return this.spent + worstUsd <= this.limitUsd;
  }

  /** Charges a finished call; returns the overrun when the provider reported more than was reserved under a limit. */
  settle(reportedUsd: number | undefined): CostOverrun | undefined {
    const reserved = this.reserved ?? 0;
    this.reserved = undefined;
    this.spent += reportedUsd ?? reserved;
    if (this.limitUsd === undefined || reportedUsd === undefined) return undefined;
    if (reportedUsd <= reserved + EPSILON_USD) return undefined;
    return { reserved_usd: reserved, reported_usd: reportedUsd, limit_usd: this.limitUsd };
  }
}
