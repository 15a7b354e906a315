/** Whether larger or smaller values of a metric are better. */
export type Direction = "maximize" | "minimize";

/** One evaluation result as stored in `results.json` (`agent[i]` or `baseline`): metric name -> value. */
export type MetricEntry = Readonly<Record<string, unknown>>;

/** The value of `metric` in an entry, or undefined when absent, non-numeric or not finite (NaN, ±Infinity). */
export function metricValue(entry: MetricEntry | undefined, metric: string): number | undefined {
  const value = entry?.[metric];
  // `+ 0` turns -0 into 0, so a score of -0 is not taken for a negative (infeasible) one by any comparison.
  return typeof value === "number" && Number.isFinite(value) ? value + 0 : undefined;
}

/** True when `a` is strictly better than `b` in `direction`. */
export function isBetter(a: number, b: number, direction: Direction): boolean {
  return direction === "maximize" ? a > b : a < b;
}
