import { SubmissionNotFoundError } from "../errors.js";
import { filterOutput } from "../shell/output.js";
import { shellQuote } from "../shell/shell-session.js";
import { parseMetricsJson } from "./metrics-json.js";
import type { TaskKind } from "./task-kind.js";

/** `submission.csv` in the workspace root, scored by `evaluate.py --submission_file <path>` printing one JSON object. */
export const csvSubmission: TaskKind = {
  description: "the agent writes submission.csv; the evaluation prints its metrics as one JSON object",
  async findSubmission({ sandbox }) {
    const path = `${sandbox.workspace}/submission.csv`;
    const probe = await sandbox.exec(`test -f ${shellQuote(path)}`, { timeoutMs: 30_000 });
    if (probe.exitCode !== 0) {
      throw new SubmissionNotFoundError(
        "No submission file found. Please make sure that your code produces a submission file.",
      );
    }
    return path;
  },
  evaluationCommand: (ctx, submission) =>
    `python ${shellQuote(ctx.evaluationPath)} --submission_file ${shellQuote(submission)}`,
  parseMetrics: (stdout) => parseMetricsJson(filterOutput(stdout), stdout),
  baselineCommand: (path) => `python ${shellQuote(path)}`,
};
