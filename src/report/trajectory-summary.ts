import { ACTION_CATEGORIES, type ActionCategory, classifyAction } from "../metrics/actions.js";
import { normalizeExitStatus } from "../metrics/exit-status.js";

/** Why an episode ended outside the agent's control, as the report records it. */
export interface InfrastructureRecord {
  /** `InfrastructureFailure.kind` (api_unreachable, api_auth, model_not_found, api_error, sandbox, other). */
  kind: string;
  message: string;
  /** Where the report learnt it: `results.json`, the `.traj` info, or the exit status alone. */
  source: "results.json" | ".traj" | "exit status";
}

/** What the report takes from a `.traj` file (counts, not the steps, so summaries stay small). */
export interface TrajectorySummary {
  /** Normalised as in the original's analysis (`""` -> `unknown_error (<last action>)`). */
  exitStatus: string;
  /** Number of steps (`trajectory[]` entries with an action, exit pseudo-steps included as the original counts). */
  steps: number;
  /** The category of each action in order, as indices into {@link ACTION_CATEGORIES}. */
  categories: Uint8Array;
  /** `info.model_stats`; undefined fields were absent. */
  cost: number | undefined;
  tokensSent: number | undefined;
  tokensReceived: number | undefined;
  apiCalls: number | undefined;
  /** `info.infrastructure_error`, when the episode ended because of infrastructure. */
  infrastructure?: InfrastructureRecord;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function finite(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** An `infrastructure_error` value (`{kind, message, step}`) as a record; undefined when absent or null. */
export function infrastructureRecord(
  value: unknown,
  source: InfrastructureRecord["source"],
): InfrastructureRecord | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  const fields = record(value);
  const kind = typeof fields.kind === "string" && fields.kind !== "" ? fields.kind : "other";
  const message =
    typeof fields.message === "string" ? fields.message : typeof value === "string" ? value : "";
  return { kind, message, source };
}

/**
 * An exit status that by itself says infrastructure: the model API gave up (`... (exit_api)`) or the status
 * starts with `infrastructure_error`.
 */
export function infrastructureFromExitStatus(status: string): InfrastructureRecord | undefined {
  if (status.startsWith("infrastructure_error")) {
    const kind = /^infrastructure_error[:\s(]*([a-z_]+)/.exec(status)?.[1] ?? "other";
    return { kind, message: status, source: "exit status" };
  }
  if (status.includes("exit_api")) return { kind: "api_error", message: status, source: "exit status" };
  return undefined;
}

const CATEGORY_INDEX = new Map<ActionCategory, number>(ACTION_CATEGORIES.map((c, i) => [c, i]));

/** Extracts the summary from a parsed `.traj` document; tolerant of missing parts. */
export function summarizeTrajectory(document: unknown): TrajectorySummary {
  const root = record(document);
  const info = record(root.info);
  const stats = record(info.model_stats);
  const steps = Array.isArray(root.trajectory) ? root.trajectory : [];
  const categories: number[] = [];
  let lastAction: string | undefined;
  for (const step of steps) {
    const action = record(step).action;
    if (typeof action !== "string") continue;
    categories.push(CATEGORY_INDEX.get(classifyAction(action)) ?? 0);
    lastAction = action;
  }
  const status = typeof info.exit_status === "string" ? info.exit_status : undefined;
  const summary: TrajectorySummary = {
    exitStatus: normalizeExitStatus(status, lastAction),
    steps: categories.length,
    categories: Uint8Array.from(categories),
    cost: finite(stats.total_cost),
    tokensSent: finite(stats.tokens_sent),
    tokensReceived: finite(stats.tokens_received),
    apiCalls: finite(stats.api_calls),
  };
  const infrastructure = infrastructureRecord(info.infrastructure_error, ".traj");
  if (infrastructure) summary.infrastructure = infrastructure;
  return summary;
}
