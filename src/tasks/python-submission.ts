import { filterOutput } from "../shell/output.js";
import { shellQuote } from "../shell/shell-session.js";
import { parseMetricsJson } from "./metrics-json.js";
import type { TaskKind } from "./task-kind.js";

/**
 * The agent edits Python code (a strategy, a heuristic) that `evaluate.py` calls through `mlgym_eval`: the agent's
 * code runs in its own process, in the agent's view of the sandbox; metrics are one JSON object.
 */
export const pythonSubmission: TaskKind = {
  description:
    "the agent edits Python code that evaluate.py calls in a separate process; metrics are one JSON object",
  artefact: "agent-code",
  // The original reports this fixed label; trajectories and results files carry it.
  submissionPath: () => "target.py",
  evaluationArgs: () => [],
  parseMetrics: (stdout) => parseMetricsJson(filterOutput(stdout), stdout),
  baselineCommand: (path) => `python ${shellQuote(path)}`,
};
