import { filterOutput } from "../shell/output.js";
import { shellQuote } from "../shell/shell-session.js";
import { parseMetricsJson } from "./metrics-json.js";
import type { TaskKind } from "./task-kind.js";

/** `submission.csv` in the workspace root, scored by `evaluate.py --submission_file <path>` printing one JSON object. */
export const csvSubmission: TaskKind = {
  description: "the agent writes submission.csv; the evaluation prints its metrics as one JSON object",
  artefact: "file",
  submissionPath: () => "submission.csv",
  evaluationArgs: (submission) => ["--submission_file", submission],
  parseMetrics: (stdout) => parseMetricsJson(filterOutput(stdout), stdout),
  baselineCommand: (path) => `python ${shellQuote(path)}`,
};
