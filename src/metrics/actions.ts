/** Action categories of the original's analysis, in the order they are tested. */
export const ACTION_CATEGORIES = ["Edit", "View", "Validate", "Submit", "Search", "Python", "Bash"] as const;
/** One of {@link ACTION_CATEGORIES}. */
export type ActionCategory = (typeof ACTION_CATEGORIES)[number];

const PREFIXES: ReadonlyArray<readonly [ActionCategory, readonly string[]]> = [
  ["Edit", ["create", "edit", "insert"]],
  ["View", ["open", "goto", "scroll_up", "scroll_down"]],
  ["Validate", ["validate"]],
  ["Submit", ["submit"]],
  ["Search", ["search_dir", "search_file", "find_file"]],
  ["Python", ["torchrun", "python", "python3", "accelerate", "deepspeed"]],
];

/** Classifies a trajectory action by its prefix, like the original (so `openssl` counts as View); else Bash. */
export function classifyAction(action: string): ActionCategory {
  const text = action.trim();
  for (const [category, prefixes] of PREFIXES) {
    if (prefixes.some((p) => text.startsWith(p))) return category;
  }
  return "Bash";
}

/** Counts of each action category (all categories present, zero when unused). */
export function countActions(actions: readonly string[]): Record<ActionCategory, number> {
  const counts = Object.fromEntries(ACTION_CATEGORIES.map((c) => [c, 0])) as Record<ActionCategory, number>;
  for (const action of actions) counts[classifyAction(action)]++;
  return counts;
}
