import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { HistoryEntry } from "../agent/history.js";
import type { Metrics } from "../config/task-config.js";
import type { InfrastructureFailure } from "../errors.js";

/** An answer refused before the step's action (a format error or a blocked command), and what the model was told. */
export interface Requery {
  response: string;
  error: string;
}

/** The token-level record of a model answer, when the backend returned one (vLLM's OpenAI-compatible server can). */
export interface TokenLogprobs {
  /** Log-probability of each generated token, in order. */
  logprobs: number[];
  /** The generated tokens as text, aligned with `logprobs`. */
  tokens?: string[];
  /** The generated tokens' ids, aligned with `logprobs`. */
  token_ids?: number[];
  /** The token ids of the prompt the answer was generated from (the whole conversation sent). */
  prompt_token_ids?: number[];
}

/** One executed step, in the original's `.traj` shape. */
export interface TrajectoryStep {
  action: string;
  observation: string;
  response: string;
  state: string;
  thought: string;
  execution_time: number;
  /** Answers refused before this step's action, in order; absent when there were none (readers of the original ignore it). */
  requeries?: Requery[];
  /** Token ids and log-probabilities of the step's answer; absent unless the backend returned them. */
  logprobs?: TokenLogprobs;
}

/** Usage of the model over an episode (the original's `model_stats`). */
export interface ModelStats {
  total_cost: number;
  task_cost: number;
  tokens_sent: number;
  tokens_received: number;
  api_calls: number;
}

/** A `.traj` file, compatible with the original's readers. */
export interface TrajectoryFile {
  environment: string;
  trajectory: TrajectoryStep[];
  history: HistoryEntry[];
  info: {
    model_stats: ModelStats;
    exit_status: string;
    submission: string | null;
    score: Metrics[];
    summarizer: Record<string, never>;
    /** Set when the model's price is unknown: `model_stats.total_cost` then counts nothing. */
    cost_unknown?: true;
    /** The call that ended the episode by costing more than its reserved worst case (USD). */
    cost_overrun?: { reserved_usd: number; reported_usd: number; limit_usd: number };
    /** Set when the batch's budget could not cover the next call, which ended the episode with `exit_cost`. */
    batch_budget_exhausted?: true;
    /** Tag of the policy that acted (`--policy-version`), for training data. */
    policy_version?: string;
    /** The episode id a client gave (`mlgym serve`). */
    episode_id?: string;
    /** Set when the infrastructure (model API, sandbox), not the agent, ended the episode. */
    infrastructure_error?: InfrastructureFailure;
  };
}

/** A `results.json` file: every evaluation in order, and the baseline. */
export interface ResultsFile {
  agent: Metrics[];
  baseline?: Metrics;
  /** Set when the infrastructure, not the agent, ended the episode (as in the trajectory's info). */
  infrastructure_error?: InfrastructureFailure;
}

/** Writes JSON through a temporary file and a rename, so readers never see half a file. */
export function writeJsonAtomic(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(tmp, path);
}
