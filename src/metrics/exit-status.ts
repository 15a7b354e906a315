// Exit statuses are `kind (label)` strings (reference 5.7). The original maps them to plot categories with a
// hand-written table; this derives the same categories from the two parts so new labels need no table edit.

/** Statuses that count as a finished run in the original's analysis. */
export const ACCEPTABLE_EXIT_STATUSES: readonly string[] = ["submitted", "autosubmission (max_steps)"];

const LABEL_CATEGORIES: Readonly<Record<string, string>> = {
  max_steps: "Max Steps",
  exit_context: "Context",
  exit_cost: "Cost",
  exit_api: "API",
  exit_format: "Format",
  exit_error: "Runtime",
  submit: "Submit",
};

const STATUS_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  submitted: ["Success"],
  early_exit: ["Runtime"],
  skipped: ["Skipped"],
  exit_forfeit: ["Forfeit"],
};

/**
 * The analysis form of a raw exit status: `""` (the agent loop crashed) becomes `unknown_error (<last action>)`
 * and a missing status `unknown_error`, as in the original.
 */
export function normalizeExitStatus(status: string | undefined, lastAction: string | undefined): string {
  if (status === undefined) return "unknown_error";
  if (status === "") return `unknown_error (${(lastAction ?? "").trim()})`;
  return status;
}

/** Plot categories of a normalised exit status, e.g. `evaluation_format_error (submit)` -> Evaluation, Submit. */
export function exitStatusCategories(status: string): string[] {
  const known = STATUS_CATEGORIES[status];
  if (known) return [...known];
  const match = /^(\w+) \((.*)\)$/s.exec(status);
  if (!match) return status.startsWith("unknown_error") ? ["Runtime"] : [status];
  const [, kind = "", label = ""] = match;
  const labelCategory = LABEL_CATEGORIES[label];
  switch (kind) {
    case "autosubmission":
      return [labelCategory ?? status];
    case "submission_not_found":
    case "evaluation_format_error":
      return ["Evaluation", ...(labelCategory ? [labelCategory] : [])];
    case "unknown_error":
      return ["Runtime"];
    default:
      // `<ExceptionClass>, <message>, (<label>)` and anything new: keep the raw status visible.
      return [status];
  }
}

/** A run that produced scores but ended neither submitted nor at the step limit. */
export function isIncomplete(categories: readonly string[]): boolean {
  return !categories.includes("Success") && !categories.includes("Max Steps");
}
