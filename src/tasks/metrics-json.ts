import type { Metrics } from "../config/task-config.js";
import { EvaluationFormatError } from "../errors.js";
import { parsePythonJson } from "../python-json.js";
import { filterOutput } from "../shell/output.js";

/** Parses a metrics object: JSON whose values are all numbers (NaN/Infinity as the bare words Python prints). */
export function parseMetricsJson(text: string, fullOutput: string): Metrics {
  let parsed: unknown;
  try {
    parsed = parsePythonJson(text);
  } catch {
    throw new EvaluationFormatError(fullOutput);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new EvaluationFormatError(fullOutput);
  const metrics: Metrics = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "number") throw new EvaluationFormatError(fullOutput);
    metrics[key] = value;
  }
  if (Object.keys(metrics).length === 0) throw new EvaluationFormatError(fullOutput);
  return metrics;
}

/** The metrics on the first output line that starts with `{` (other lines are allowed), as the original reads them. */
export function parseFirstJsonLine(stdout: string): Metrics {
  const line = filterOutput(stdout)
    .split("\n")
    .find((l) => l.trim().startsWith("{"));
  if (line === undefined) throw new EvaluationFormatError(stdout);
  return parseMetricsJson(line.trim(), stdout);
}
