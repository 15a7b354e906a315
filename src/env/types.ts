import type { Metrics } from "../config/task-config.js";

/** What `reset` returns. */
export interface ResetResult {
  /** The task description the agent starts from. */
  observation: string;
  info: ResetInfo;
}

export interface ResetInfo {
  taskId: string;
  taskName: string;
  baselineScores: Metrics | undefined;
  priorityMetric: string | undefined;
  /** Whether a higher or a lower value of the priority metric is better (absent without a priority metric). */
  direction?: "maximize" | "minimize";
  workspace: string;
  sandbox: string;
  maxSteps: number;
  trainingTimeoutS: number;
  /** The seed the episode's evaluations draw from: the one given to reset, else a fresh one (pass it to reproduce). */
  seed: number;
  /**
   * Set when the episode continues from a snapshot (`fork`): its id, the step it was taken at (the step count goes on
   * from there) and whether the shell's variables, functions and aliases were restored.
   */
  fromSnapshot?: { id: string; step: number; shellRestored: boolean };
}

/** What `step` returns (Gymnasium semantics). */
export interface StepResult {
  observation: string;
  reward: number;
  /** The agent ended the episode (submit, forfeit, skip). */
  terminated: boolean;
  /** A limit or failure ended the episode (step limit, exit_* actions, a dead sandbox). */
  truncated: boolean;
  info: StepInfo;
}

export interface StepInfo {
  /** Number of executed steps so far. */
  step: number;
  /** Exit code of the shell command; undefined for actions that ran nothing. */
  exitCode?: number;
  timedOut?: "total" | "no-output";
  /** Set on the step that ends the episode (reference 5.7 statuses). */
  exitStatus?: string;
  /** Metrics of the evaluation this step ran, if any. */
  metrics?: Metrics;
  /** The evaluated artefact, on an evaluation step. */
  submission?: string;
  /** Every successful evaluation of the episode so far, in order (results.json's `agent`). */
  scores: Metrics[];
  /** Seconds this step took. */
  executionTime: number;
}
