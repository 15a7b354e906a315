// Re-queries (answers refused for a format error or a blocked command, then asked again) in both trajectory formats.
// Ours lists them in each step's `requeries`. The original's keeps only the accepted answer in `trajectory` and
// `history`: a refused answer and the error message it got are sent once in a temporary history, never stored. What
// remains of them: a step whose action is `exit_format` (the original gives up after its third refused answer) and
// `info.model_stats.api_calls`, which counts every model answer, refused ones included.

/** Refused answers behind an `exit_format` step of the original (it asks again while fewer than three failed). */
export const ORIGINAL_FORMAT_FAILURES = 3;
/** Model calls behind one `exit_format` step of the original: the first answer and one after each failure. */
const ORIGINAL_FORMAT_CALLS = ORIGINAL_FORMAT_FAILURES + 1;

/**
 * Refused answers of one step: the length of its `requeries` list when it has one (ours), else the original's
 * format-error exit (`exit_format` stands for three refused answers), else none.
 */
export function stepRequeries(recorded: number, action: string): number {
  if (recorded >= 0) return recorded;
  return action === "exit_format" ? ORIGINAL_FORMAT_FAILURES : 0;
}

/**
 * Model calls the original made for a step that refused nothing beyond what its action shows: one answer for an
 * executed command; four for `exit_format`; one for `exit_cost` (the call that crossed the limit is counted before
 * it fails); none for `exit_context`, `exit_api` and `exit_error` (their failing call is not counted).
 */
function callsOf(action: string): number {
  if (action === "exit_format") return ORIGINAL_FORMAT_CALLS;
  if (action === "exit_context" || action === "exit_api" || action === "exit_error") return 0;
  return 1;
}

/** A run's refused answers: all of them, and those that no step records (counted from the API calls). */
export interface RunRequeries {
  total: number;
  unplaced: number;
}

/**
 * Sums the steps' refused answers. A trajectory that records re-queries per step (ours, when there were any) is
 * complete; otherwise (the original's, or ours without any) the API calls beyond one per answered step are re-queries
 * that the file does not place at a step.
 */
export function runRequeries(
  steps: ReadonlyArray<{ action: string; requeries: number; recorded?: boolean }>,
  apiCalls: unknown,
): RunRequeries {
  const placed = steps.reduce((n, s) => n + s.requeries, 0);
  if (steps.some((s) => s.recorded) || typeof apiCalls !== "number" || !Number.isFinite(apiCalls))
    return { total: placed, unplaced: 0 };
  const expected = steps.reduce((n, s) => n + callsOf(s.action), 0);
  const unplaced = Math.max(0, Math.round(apiCalls) - expected);
  return { total: placed + unplaced, unplaced };
}
