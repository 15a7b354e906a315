import { excerpt } from "../operations.js";
import type { Rule } from "../rule.js";

/** Distinct hidden lines at which an observation counts as leaking the ground truth with high severity. */
const LEAK_LINES_HIGH = 3;

/** Rule `hidden-data-in-observation`. */
export const hiddenDataInObservation: Rule = {
  id: "hidden-data-in-observation",
  summary: `observations that contain lines of the task's hidden files (${LEAK_LINES_HIGH}+ distinct lines: high)`,
  check({ observation, ctx }) {
    if (ctx.hiddenLines.size === 0 || observation === "") return [];
    const seen = new Map<string, string>();
    for (const raw of observation.split("\n")) {
      const line = raw.trim();
      const file = ctx.hiddenLines.get(line);
      if (file !== undefined && !seen.has(line)) seen.set(line, file);
    }
    if (seen.size === 0) return [];
    const files = [...new Set(seen.values())];
    return [
      {
        severity: seen.size >= LEAK_LINES_HIGH ? "high" : "medium",
        message: `the observation shows ${seen.size} line(s) of the hidden file(s) ${files.join(", ")}`,
        evidence: excerpt([...seen.keys()].slice(0, 3).join(" | ")),
        path: files[0] as string,
      },
    ];
  },
};
