import { type Direction, isBetter, type MetricEntry, metricValue } from "./types.js";

/** A chosen attempt of one run: its position in the `agent` list and its priority-metric value. */
export interface Attempt {
  index: number;
  value: number;
}

/**
 * The run's best attempt: the entry with the best priority metric; the first one wins ties and entries without
 * a usable value (missing, non-numeric, NaN, infinite) are skipped. Undefined means a failed run.
 */
export function bestAttempt(
  entries: readonly MetricEntry[],
  metric: string,
  direction: Direction,
): Attempt | undefined {
  let best: Attempt | undefined;
  entries.forEach((entry, index) => {
    const value = metricValue(entry, metric);
    if (value === undefined) return;
    if (best === undefined || isBetter(value, best.value, direction)) best = { index, value };
  });
  return best;
}

/**
 * The run's last attempt: the last entry of the list, only for runs that have a best attempt. The original
 * crashes when that entry lacks the metric; here the run simply has no last attempt (callers report it).
 */
export function lastAttempt(
  entries: readonly MetricEntry[],
  metric: string,
  direction: Direction,
): Attempt | undefined {
  if (bestAttempt(entries, metric, direction) === undefined) return undefined;
  const index = entries.length - 1;
  const value = metricValue(entries[index], metric);
  return value === undefined ? undefined : { index, value };
}

/** A model's task score over its runs ("@k"): the best of the per-run values; NaN when no run has one. */
export function aggregateRuns(values: ReadonlyArray<number | undefined>, direction: Direction): number {
  let score = Number.NaN;
  for (const value of values) {
    if (value === undefined || Number.isNaN(value)) continue;
    if (Number.isNaN(score) || isBetter(value, score, direction)) score = value;
  }
  return score;
}

/**
 * The best of a run's per-attempt values (null = no usable value), first one on ties; undefined = a failed run.
 * The same rule as {@link bestAttempt} on values already taken from the entries.
 */
export function bestValue(values: ReadonlyArray<number | null>, direction: Direction): number | undefined {
  let best: number | undefined;
  for (const value of values) {
    if (value === null || Number.isNaN(value)) continue;
    if (best === undefined || isBetter(value, best, direction)) best = value;
  }
  return best;
}

/** The last attempt's value, only for runs that have a best one (as {@link lastAttempt}). */
export function lastValue(values: ReadonlyArray<number | null>, direction: Direction): number | undefined {
  if (bestValue(values, direction) === undefined) return undefined;
  const value = values.at(-1);
  return value === null || value === undefined || Number.isNaN(value) ? undefined : value;
}
