import type { TaskSpec } from "../config/load-task.js";
import type { Metrics } from "../config/task-config.js";
import { EvaluationError, EvaluationFormatError, SubmissionNotFoundError } from "../errors.js";
import type { Sandbox } from "../sandbox/sandbox.js";
import { taskKind } from "../tasks/kinds.js";
import { pyDictRepr } from "./python-repr.js";

/** Metrics of one evaluation and the artefact they score. */
export interface Evaluation {
  metrics: Metrics;
  submission: string;
}

/**
 * Evaluates the current submission in a separate sandbox run that sees the hidden files, with the trusted
 * evaluation script, cwd = workspace. Throws SubmissionNotFoundError, EvaluationFormatError or EvaluationError.
 */
export async function evaluateSubmission(
  spec: TaskSpec,
  sandbox: Sandbox,
  timeoutS: number,
): Promise<Evaluation> {
  const kind = taskKind(spec.config.task_entrypoint, spec.file);
  const evaluationPath = spec.config.evaluation_paths[0];
  if (!evaluationPath) throw new EvaluationError(`task '${spec.config.id}' has no evaluation_paths`);
  const ctx = { sandbox, evaluationPath };
  const submission = await kind.findSubmission(ctx);
  const run = await sandbox.exec(kind.evaluationCommand(ctx, submission), {
    evaluation: true,
    timeoutMs: timeoutS * 1000,
  });
  if (run.timedOut) throw new EvaluationError(`the evaluation timed out after ${timeoutS} s`);
  const combined = [run.stdout, run.stderr].filter((s) => s.trim()).join("\n");
  if (run.exitCode !== 0) throw new EvaluationFormatError(combined.trim());
  try {
    return { metrics: kind.parseMetrics(run.stdout), submission };
  } catch (error) {
    if (error instanceof EvaluationFormatError) throw new EvaluationFormatError(combined.trim());
    throw error;
  }
}

/** The observation the agent gets for `validate`, as in the original. */
export function validationObservation(result: Evaluation | Error, baseline: Metrics | undefined): string {
  if (!(result instanceof Error)) {
    return `Your code produced a valid submission artefact at ${result.submission}.\nBaseline Score: ${
      baseline ? pyDictRepr(baseline) : "NA"
    }\nEvaluation Score: ${pyDictRepr(result.metrics)}`;
  }
  if (result instanceof SubmissionNotFoundError) {
    return "Submission artefact not found. You have to produce a valid submission artefact as described in the task description to validate your results.";
  }
  if (result instanceof EvaluationFormatError) return result.message;
  return `Error: ${result.message}`;
}

/** Exit status of an evaluation that ended the episode under `label` (reference 5.7). */
export function exitStatusFor(label: string, result: Evaluation | Error): string {
  if (!(result instanceof Error)) return label === "submit" ? "submitted" : `autosubmission (${label})`;
  if (result instanceof SubmissionNotFoundError) return `submission_not_found (${label})`;
  if (result instanceof EvaluationFormatError) return `evaluation_format_error (${label})`;
  return `${result.name}, ${result.message}, (${label})`;
}
