import { normalizeExitStatus } from "../metrics/exit-status.js";

/** What the report takes from a `.traj` file. */
export interface TrajectorySummary {
  /** Normalised as in the original's analysis (`""` -> `unknown_error (<last action>)`). */
  exitStatus: string;
  /** `trajectory[].action` in order (exit pseudo-steps included, as the original counts them). */
  actions: string[];
  /** `info.model_stats`; undefined fields were absent. */
  cost: number | undefined;
  tokensSent: number | undefined;
  tokensReceived: number | undefined;
  apiCalls: number | undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Extracts the summary from a parsed `.traj` document; tolerant of missing parts. */
export function summarizeTrajectory(document: unknown): TrajectorySummary {
  const root = record(document);
  const info = record(root.info);
  const stats = record(info.model_stats);
  const steps = Array.isArray(root.trajectory) ? root.trajectory : [];
  const actions = steps.map((step) => record(step).action).filter((a): a is string => typeof a === "string");
  const status = typeof info.exit_status === "string" ? info.exit_status : undefined;
  return {
    exitStatus: normalizeExitStatus(status, actions.at(-1)),
    actions,
    cost: finite(stats.total_cost),
    tokensSent: finite(stats.tokens_sent),
    tokensReceived: finite(stats.tokens_received),
    apiCalls: finite(stats.api_calls),
  };
}
