import type { Metrics } from "../config/task-config.js";
import type { Sandbox } from "../sandbox/sandbox.js";

/** What a task kind needs to find and evaluate a submission. */
export interface EvaluationContext {
  sandbox: Sandbox;
  /** Evaluation script path relative to the workspace. */
  evaluationPath: string;
}

/** An evaluation protocol: where the submission is, how evaluate.py is called, how its metrics are read. */
export interface TaskKind {
  /** One sentence for listings. */
  description: string;
  /** Inside path of the submission artefact; throws SubmissionNotFoundError. */
  findSubmission(ctx: EvaluationContext): Promise<string>;
  /** Shell command (run with cwd = workspace) that evaluates the submission. */
  evaluationCommand(ctx: EvaluationContext, submission: string): string;
  /** Metrics from the evaluation's standard output; throws EvaluationFormatError. */
  parseMetrics(stdout: string): Metrics;
  /** Shell command that runs a baseline script. */
  baselineCommand(baselinePath: string): string;
}
