import { filterOutput } from "../shell/output.js";
import { shellQuote } from "../shell/shell-session.js";
import { parseMetricsJson } from "./metrics-json.js";
import type { TaskKind } from "./task-kind.js";

/** The agent edits Python files (a strategy, a heuristic); `evaluate.py` imports them and prints one JSON object. */
export const pythonSubmission: TaskKind = {
  description: "the agent edits Python code that evaluate.py imports; metrics are one JSON object",
  // The original reports this fixed label; trajectories and results files carry it.
  findSubmission: async ({ sandbox }) => `${sandbox.workspace}/target.py`,
  evaluationCommand: (ctx) => `python ${shellQuote(ctx.evaluationPath)}`,
  parseMetrics: (stdout) => parseMetricsJson(filterOutput(stdout), stdout),
  baselineCommand: (path) => `python ${shellQuote(path)}`,
};
