import { extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseWithSchema, readConfigText } from "../config/yaml-file.js";
import { ConfigError } from "../errors.js";
import { parsePythonJson } from "../python-json.js";

/** Missing and `null` read as `""` (the original writes `null` or omits fields in older files). */
const text = z
  .string()
  .nullish()
  .transform((v) => v ?? "");

/** Any number, NaN and infinities included: Python writes them for failed metrics. */
const metricValue = z.custom<number>((v) => typeof v === "number", { message: "expected number" });
const metricsSchema = z.record(z.string(), metricValue);

const requerySchema = z.object({ response: text, error: text });

/** `info.infrastructure_error` / results.json's `infrastructure_error`: a fault outside the agent's control. */
const infrastructureSchema = z.object({
  kind: z.enum(["api_unreachable", "api_auth", "model_not_found", "api_error", "sandbox", "other"]),
  message: text,
  step: z.number().int().nonnegative(),
});

/** `logprobs` of a step (ours only): the answer's token record, when the backend returned one. */
const tokenLogprobsSchema = z.object({
  logprobs: z.array(metricValue),
  tokens: z.array(z.string()).optional(),
  token_ids: z.array(z.number().int()).optional(),
  prompt_token_ids: z.array(z.number().int()).optional(),
});

const stepSchema = z.object({
  action: z.string(),
  observation: text,
  response: text,
  state: text,
  thought: text,
  /** Absent in older files. */
  execution_time: z.number().optional(),
  /** Answers refused before the step's action (ours only). */
  requeries: z.array(requerySchema).optional(),
  /** Token ids and log-probabilities of the answer (ours only, when the backend returned them). */
  logprobs: tokenLogprobsSchema.optional(),
});

const historyEntrySchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: text,
  /** Absent in older files and in demonstrations written by hand. */
  agent: z.string().optional(),
  thought: z.string().nullish(),
  action: z.string().nullish(),
  is_demo: z.boolean().optional(),
});

const statsSchema = z.object({
  total_cost: z.number().default(0),
  task_cost: z.number().default(0),
  tokens_sent: z.number().default(0),
  tokens_received: z.number().default(0),
  api_calls: z.number().default(0),
});

const infoSchema = z.object({
  model_stats: statsSchema.default(statsSchema.parse({})),
  /** `""` when the original's agent loop crashed; missing reads as `""` too. */
  exit_status: text,
  submission: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  score: z.array(metricsSchema).default([]),
  /** Ours only: the infrastructure, not the agent, ended the episode. */
  infrastructure_error: infrastructureSchema.optional(),
  /** Ours only: the tag of the policy that acted (`--policy-version`). */
  policy_version: z.string().optional(),
  /** Ours only: the episode id a client gave (`mlgym serve`). */
  episode_id: z.string().optional(),
});

/** A `.traj` file as read back: ours or the original's, with the original's optional parts defaulted. */
export const trajectoryFileSchema = z
  .object({
    environment: text,
    trajectory: z.array(stepSchema).default([]),
    history: z.array(historyEntrySchema).default([]),
    info: infoSchema.default(infoSchema.parse({})),
  })
  .refine(
    // An episode whose sandbox never started has no step, but says why.
    (t) => t.trajectory.length > 0 || t.history.length > 0 || t.info.infrastructure_error !== undefined,
    { message: "neither a 'trajectory' nor a 'history' list with entries" },
  );
export type ReadTrajectory = z.output<typeof trajectoryFileSchema>;
export type ReadStep = ReadTrajectory["trajectory"][number];

/** A `results.json` file: every evaluation in order, and the baseline when the task has one. */
export const resultsFileSchema = z.object({
  agent: z.array(metricsSchema).default([]),
  baseline: metricsSchema.optional(),
  infrastructure_error: infrastructureSchema.optional(),
});
export type ReadResults = z.output<typeof resultsFileSchema>;

function readDocument(file: string, yaml: boolean): unknown {
  const source = readConfigText(file);
  try {
    return yaml ? parseYaml(source) : parsePythonJson(source);
  } catch (cause) {
    const kind = yaml ? "YAML" : "JSON";
    throw new ConfigError(`invalid ${kind}: ${(cause as Error).message.split("\n")[0]}`, { file, cause });
  }
}

/**
 * Reads a trajectory: a `.traj` JSON file (ours or the original's), or the original's YAML variant (`.yaml`/`.yml`,
 * whose document is the `history` list, or a whole trajectory object). Problems are ConfigErrors naming the field.
 */
export function readTrajectory(file: string): ReadTrajectory {
  const yaml = /^\.ya?ml$/i.test(extname(file));
  const document = readDocument(file, yaml);
  return parseWithSchema(
    trajectoryFileSchema,
    yaml && Array.isArray(document) ? { history: document } : document,
    file,
  );
}

/** Reads a `results.json` file. */
export function readResults(file: string): ReadResults {
  return parseWithSchema(resultsFileSchema, readDocument(file, false), file);
}

/** Actions the agent loop records when an episode ends without a model answer (`exit_cost`, `skip`, ...). */
export function isExitAction(action: string | null | undefined): boolean {
  const a = (action ?? "").trim();
  return /^exit_\w+$/.test(a) || a === "skip";
}

/**
 * The raw model outputs of a trajectory, in order: the assistant entries of its history, without demonstrations
 * and exit pseudo-steps; the trajectory's responses when the history is empty.
 */
export function assistantResponses(traj: ReadTrajectory): string[] {
  if (traj.history.length === 0)
    return traj.trajectory.filter((s) => !isExitAction(s.action)).map((s) => s.response);
  return traj.history
    .filter((h) => h.role === "assistant" && !h.is_demo && !isExitAction(h.action))
    .map((h) => h.content);
}
