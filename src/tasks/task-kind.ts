import type { Metrics } from "../config/task-config.js";

/**
 * How a kind's submission reaches the evaluation, which never runs in the agent's workspace:
 * - `file`: one file copied into the evaluation's folder;
 * - `workspace`: the workspace's regular files copied there (a model and its config);
 * - `agent-code`: nothing copied; the evaluation calls the agent's code, which runs in a separate process in the
 *   agent's own view of the sandbox.
 */
export type ArtefactKind = "file" | "workspace" | "agent-code";

/** An evaluation protocol: where the submission is, how evaluate.py is called, how its metrics are read. */
export interface TaskKind {
  /** One sentence for listings. */
  description: string;
  artefact: ArtefactKind;
  /** Workspace-relative path of the submission, found on the host folder; throws SubmissionNotFoundError. */
  submissionPath(workspaceDir: string): string;
  /** Arguments of the evaluation script for a submission at `submission` (relative to the evaluation's folder). */
  evaluationArgs(submission: string): string[];
  /** Metrics from the evaluation's standard output; throws EvaluationFormatError. */
  parseMetrics(stdout: string): Metrics;
  /** Shell command that runs a baseline script. */
  baselineCommand(baselinePath: string): string;
}
