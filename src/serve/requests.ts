import { invalid } from "./errors.js";

/** What a session's episodes are played with; each field may be set at creation or at reset. */
export interface EpisodeSettings {
  /** Executed actions before the episode is autosubmitted. */
  maxSteps?: number;
  /** Characters of command output kept per observation. */
  maxObservationChars?: number;
  /** Tag of the policy that acts, recorded in the trajectory. */
  policyVersion?: string;
}

/** The arguments of a reset. */
export interface ResetArgs extends EpisodeSettings {
  taskId?: string;
  seed?: number;
  episodeId?: string;
  /** Fork this snapshot instead of starting afresh. */
  snapshotId?: string;
}

/** A value as JSON, cut short for error messages. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? "nothing";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

type FieldKind = "task" | "seed" | "id" | "steps" | "chars";

const FIELDS: Record<string, { key: keyof ResetArgs; kind: FieldKind }> = {
  task_id: { key: "taskId", kind: "task" },
  seed: { key: "seed", kind: "seed" },
  episode_id: { key: "episodeId", kind: "id" },
  policy_version: { key: "policyVersion", kind: "id" },
  max_steps: { key: "maxSteps", kind: "steps" },
  max_observation_chars: { key: "maxObservationChars", kind: "chars" },
  snapshot_id: { key: "snapshotId", kind: "id" },
};

function fieldValue(name: string, kind: FieldKind, value: unknown): string | number {
  switch (kind) {
    case "task":
    case "id":
      if (typeof value !== "string" || value.length === 0 || value.length > 255)
        throw invalid(name, `expected a non-empty string of at most 255 characters, got ${show(value)}`);
      return value;
    case "seed":
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
        throw invalid(name, `expected an integer >= 0, got ${show(value)}`);
      return value;
    case "steps":
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > 100_000)
        throw invalid(name, `expected an integer from 1 to 100000, got ${show(value)}`);
      return value;
    case "chars":
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 100)
        throw invalid(name, `expected an integer >= 100, got ${show(value)}`);
      return value;
  }
}

/** A JSON object, or a VALIDATION_ERROR naming `what`. */
export function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body))
    throw invalid(what, `expected a JSON object, got ${Array.isArray(body) ? "an array" : typeof body}`);
  return body as Record<string, unknown>;
}

/**
 * Reads the named fields of a request body (`null` counts as absent). Unknown fields are an error listing the
 * allowed ones, unless `ignoreUnknown` (OpenEnv's reset drops keywords the environment does not take).
 */
export function readArgs(
  body: unknown,
  allowed: readonly string[],
  options: { what: string; ignoreUnknown?: boolean },
): ResetArgs {
  const fields = objectBody(body, options.what);
  const out: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(fields)) {
    const field = FIELDS[name];
    if (!field || !allowed.includes(name)) {
      if (options.ignoreUnknown) continue;
      throw invalid(name, `unknown field of ${options.what}; allowed: ${allowed.join(", ")}`);
    }
    if (value === null || value === undefined) continue;
    out[field.key] = fieldValue(name, field.kind, value);
  }
  return out as ResetArgs;
}

/** Fields a reset takes (over the WebSocket and the HTTP API). */
export const RESET_FIELDS = [
  "task_id",
  "seed",
  "episode_id",
  "policy_version",
  "max_steps",
  "max_observation_chars",
  "snapshot_id",
] as const;

/** Fields of `POST /api/v1/envs`. */
export const CREATE_FIELDS = ["task_id", "max_steps", "max_observation_chars", "policy_version"] as const;

/**
 * The command of a step: OpenEnv's action object `{"command": str, "metadata"?: {}}` (no other keys), or, over
 * HTTP, `{"action": str}` / `{"action": {"command": str}}`.
 */
export function readAction(body: unknown, maxChars: number, http = false): string {
  const fields = objectBody(body, "action");
  let source = fields;
  if (http && "action" in fields) {
    const { action, ...rest } = fields;
    if (Object.keys(rest).length > 0)
      throw invalid(Object.keys(rest)[0]!, "unknown field of a step; allowed: action (or command)");
    if (typeof action === "string") source = { command: action };
    else if (typeof action === "object" && action !== null && !Array.isArray(action))
      source = action as Record<string, unknown>;
    else throw invalid("action", `expected a string (or an object {"command": str}), got ${show(action)}`);
  }
  for (const key of Object.keys(source)) {
    if (key !== "command" && key !== "metadata")
      throw invalid(key, "unknown field of the action; allowed: command, metadata");
  }
  const command = source.command;
  if (typeof command !== "string") throw invalid("command", `expected a string, got ${show(command)}`);
  if (source.metadata !== undefined && (typeof source.metadata !== "object" || source.metadata === null))
    throw invalid("metadata", "expected an object");
  if (command.length > maxChars)
    throw invalid(
      "command",
      `the action is ${command.length} characters long; the most a step takes is ${maxChars}`,
    );
  return command;
}

/** The episode settings among a request's arguments. */
export function settingsOf(args: ResetArgs): EpisodeSettings {
  const out: EpisodeSettings = {};
  if (args.maxSteps !== undefined) out.maxSteps = args.maxSteps;
  if (args.maxObservationChars !== undefined) out.maxObservationChars = args.maxObservationChars;
  if (args.policyVersion !== undefined) out.policyVersion = args.policyVersion;
  return out;
}
