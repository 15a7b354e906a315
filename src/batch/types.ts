import type { Scale } from "../config/task-config.js";
import type { InfrastructureFailure } from "../errors.js";

/**
 * One episode of a batch, with everything needed to run it on any machine (plain JSON: it travels in queue jobs).
 * Its `key` is a hash of what makes the episode what it is; its `folder` is fixed by the plan, never by what
 * already exists on disk, so two processes can never pick the same folder for different episodes.
 */
export interface EpisodeSpec {
  /** Hex digest of the identity: model, task, agent configuration (its content), sampling settings, seed, run index, policy version. */
  key: string;
  /** Run folder name under the output folder: the original's naming with `_run_<runIndex>`. */
  folder: string;
  taskId: string;
  /** The task's scale; absent: `small` (so plans made before scales existed keep their keys). */
  scale?: Scale;
  /** `<backend>:<name>`, as `--model` takes it. */
  model: string;
  /** Absolute path of the agent YAML; undefined for the built-in default. */
  agentConfig?: string;
  /** sha256 of the agent configuration's text (part of the key: an edited config is another episode). */
  agentConfigHash: string;
  temperature: number;
  topP: number;
  /** Seed of the task and its evaluations. */
  seed: number;
  /** 0-based index among the runs of the same (model, task, agent, sampling settings). */
  runIndex: number;
  maxSteps: number;
  /** Per-episode cost limit (USD); the batch budget is separate. */
  costLimitUsd?: number;
  timeLimitS?: number;
  /** Tag recorded in every trajectory and args.json (data generation). */
  policyVersion?: string;
  sandbox?: string;
  tasksDirs?: string[];
  dataRoots?: string[];
  /** Model options shared by the batch. */
  baseUrl?: string;
  /** Record the answers' token log-probabilities (not part of the key: the same episode, with more recorded). */
  logprobs?: boolean;
  /** Absolute path of a price file (YAML/JSON). */
  pricesFile?: string;
  allowUnpriced?: boolean;
  /** Devices this episode is given (0: none): the batch's `gpus_per_run`, else its task's `gpus` at its scale. */
  gpusPerRun: number;
}

/** A whole batch: the episodes, in the order they are started, and how they are run. */
export interface BatchPlan {
  /** Hex digest of the episode keys (names the batch's ledger and queue in Redis). */
  id: string;
  /** Absolute path of the output folder. */
  output: string;
  episodes: EpisodeSpec[];
  /** Episodes running at once (local pool or each worker). */
  concurrency: number;
  /** At most this many episodes of a model at once (rate-limited APIs); absent: no cap beyond `concurrency`. */
  perModelConcurrency: Record<string, number>;
  /** Budget of the whole batch in USD; absent: none. */
  budgetUsd?: number;
  /** Device ids to hand out (`--gpus 0,1`); empty: none. */
  gpus: string[];
  /** How often an episode is retried after an infrastructure failure. */
  retries: number;
  /** First retry delay in ms; doubled each time. */
  retryDelayMs: number;
}

/** A reservation of a model call's worst case against a ledger, settled once the call is over. */
export interface Reservation {
  id: string;
  usd: number;
}

export interface LedgerState {
  limitUsd: number;
  /** Charged for finished calls. */
  spentUsd: number;
  /** Reserved by calls in flight. */
  reservedUsd: number;
  /** A reservation was refused: no new episode may start. */
  exhausted: boolean;
}

/**
 * The budget of a whole batch, shared by all its episodes (in memory, or in Redis for workers on several machines).
 * Every model call reserves its worst case first and is settled with its actual cost after, so the sum of settled
 * and reserved amounts never exceeds the limit, under any concurrency.
 */
export interface Ledger {
  /** Reserves `usd`; undefined (and the ledger exhausted) when the budget cannot cover it. */
  reserve(usd: number): Promise<Reservation | undefined>;
  /** Releases the reservation and charges `actualUsd` (the worst case when the actual cost is unknown). */
  settle(reservation: Reservation, actualUsd: number): Promise<void>;
  state(): Promise<LedgerState>;
  close(): Promise<void>;
}

/** How an episode attempt ended, for the pool, the queue and the display. */
export type EpisodeStatus =
  /** The episode ran to its end (whatever the agent scored, or its own failures: format, cost, context, time). */
  | "completed"
  /** Infrastructure (model API, sandbox, worker) ended it: retried, and left out of the report. */
  | "infrastructure"
  /** Stopped by Ctrl-C / SIGTERM: rerun from scratch on the next start. */
  | "interrupted"
  /** The framework failed (a bug, a bad task): not retried. */
  | "error"
  /** Already complete on disk with the same key: not run again. */
  | "skipped";

export interface EpisodeOutcome {
  key: string;
  folder: string;
  status: EpisodeStatus;
  exitStatus?: string;
  /** Best value of the task's priority metric over the episode's evaluations. */
  bestScore?: number | null;
  /** USD spent; null when the price is unknown. */
  costUsd?: number | null;
  steps?: number;
  infrastructureError?: InfrastructureFailure;
  /** Message of an `error` outcome. */
  error?: string;
}

/** What a running episode reports while it works (live displays, queue job progress). */
export interface EpisodeProgress {
  key: string;
  step: number;
  maxSteps: number;
  costUsd: number;
  bestScore: number | null;
}

/** Events of a batch, local or distributed, in the order they happen. */
export type BatchEvent =
  | { kind: "planned"; total: number; complete: number }
  | { kind: "started"; spec: EpisodeSpec; attempt: number; worker?: string }
  | { kind: "progress"; progress: EpisodeProgress }
  | { kind: "finished"; spec: EpisodeSpec; outcome: EpisodeOutcome; attempt: number }
  | { kind: "retry"; spec: EpisodeSpec; attempt: number; delayMs: number; reason: string }
  /** Retries ran out, or an `error` outcome: marked failed, the batch goes on. */
  | { kind: "failed"; spec: EpisodeSpec; reason: string }
  | { kind: "budget"; state: LedgerState };
