import { EvaluationFormatError, SubmissionNotFoundError } from "../errors.js";
import { filterOutput } from "../shell/output.js";
import { shellQuote } from "../shell/shell-session.js";
import { parseMetricsJson } from "./metrics-json.js";
import type { TaskKind } from "./task-kind.js";

/**
 * A trained model plus its YAML config; `evaluate.py --config_fname <yaml>` prints metrics on the first line that
 * starts with `{` (other lines are allowed). The config is the shallowest `*.yaml` in sorted order, not an arbitrary one.
 */
export const modelSubmission: TaskKind = {
  description: "the agent leaves a model and a *.yaml config; the first JSON line of the evaluation is read",
  async findSubmission({ sandbox }) {
    const ws = shellQuote(sandbox.workspace);
    const found = await sandbox.exec(
      `find ${ws} -type f -name '*.yaml' -not -path '*/.*' -printf '%d %p\\n' | sort -n -k1,1 -k2 | head -n 1 | cut -d' ' -f2-`,
      { timeoutMs: 30_000 },
    );
    const path = found.stdout.trim();
    if (!path) {
      throw new SubmissionNotFoundError(
        "No submission config (*.yaml) found in the workspace. Please save your model config.",
      );
    }
    return path;
  },
  evaluationCommand: (ctx, submission) =>
    `python ${shellQuote(ctx.evaluationPath)} --config_fname ${shellQuote(submission)}`,
  parseMetrics(stdout) {
    const line = filterOutput(stdout)
      .split("\n")
      .find((l) => l.trim().startsWith("{"));
    if (line === undefined) throw new EvaluationFormatError(stdout);
    return parseMetricsJson(line.trim(), stdout);
  },
  baselineCommand: (path) => `python ${shellQuote(path)}`,
};
