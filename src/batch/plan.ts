import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { defaultAgentConfigFile, loadAgentConfig } from "../agent/config.js";
import { SCALES } from "../config/task-config.js";
import { parseWithSchema, readYamlFile } from "../config/yaml-file.js";
import { ConfigError } from "../errors.js";
import { createModel, modelBackends } from "../models/registry.js";
import { runFolderName } from "../run/run-dir.js";
import { discoverTasks, loadTaskEntry } from "../tasks/registry.js";
import type { BatchPlan, EpisodeSpec } from "./types.js";

const list = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.infer<T>[]);

/**
 * A batch as a YAML file gives it (`mlgym batch plan.yaml`); the command's flags of the same names override it.
 * Lists may be written as one value.
 */
export const planFileSchema = z
  .object({
    tasks: z.union([z.literal("all"), list(z.string().min(1))]),
    models: list(z.string().min(1)),
    /** The scale every task runs at (default `small`). */
    scale: z.enum(SCALES).optional(),
    runs: z.number().int().min(1).optional(),
    concurrency: z.number().int().min(1).optional(),
    /** Most episodes of one model at once, by model (`openai:gpt-4o: 2`). */
    model_concurrency: z.record(z.string(), z.number().int().min(1)).optional(),
    budget: z.number().positive().optional(),
    output: z.string().min(1).optional(),
    agent_config: z.string().min(1).optional(),
    sandbox: z.string().min(1).optional(),
    gpus: list(z.union([z.string().min(1), z.number().int().min(0)])).optional(),
    gpus_per_run: z.number().int().min(0).optional(),
    max_steps: z.number().int().min(1).optional(),
    cost_limit: z.number().positive().optional(),
    time_limit: z.number().positive().optional(),
    temperatures: list(z.number().min(0)).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    /** Seed of each run in order; as many as runs (or more). */
    seeds: list(z.number().int().min(0)).optional(),
    policy_version: z.string().min(1).optional(),
    retries: z.number().int().min(0).optional(),
    retry_delay_ms: z.number().int().min(0).optional(),
    base_url: z.string().min(1).optional(),
    logprobs: z.boolean().optional(),
    prices: z.string().min(1).optional(),
    allow_unpriced: z.boolean().optional(),
    tasks_dirs: list(z.string().min(1)).optional(),
    data_roots: list(z.string().min(1)).optional(),
  })
  .strict();

export type PlanInput = z.infer<typeof planFileSchema>;

/** Reads a plan file; paths in it are relative to the file's folder. */
export function readPlanFile(file: string): PlanInput {
  const input = parseWithSchema(planFileSchema, readYamlFile(file), file);
  const dir = resolve(file, "..");
  const at = (p: string | undefined) => (p === undefined ? undefined : resolve(dir, p));
  return {
    ...input,
    ...(input.output ? { output: at(input.output) } : {}),
    ...(input.agent_config ? { agent_config: at(input.agent_config) } : {}),
    ...(input.prices ? { prices: at(input.prices) } : {}),
    ...(input.tasks_dirs ? { tasks_dirs: input.tasks_dirs.map((d) => at(d)!) } : {}),
    ...(input.data_roots ? { data_roots: input.data_roots.map((d) => at(d)!) } : {}),
    models: input.models.map((m) => scriptedPathAt(m, dir)),
  };
}

/** A scripted or replayed model's file is relative to the plan file too. */
function scriptedPathAt(model: string, dir: string): string {
  const m = /^(scripted|replay):(.+)$/.exec(model);
  return m ? `${m[1]}:${resolve(dir, m[2]!)}` : model;
}

/** The model id that run folders are named by (`scripted:<file stem>` for a scripted file), checked for a known backend. */
export function modelIdOf(spec: string): string {
  const colon = spec.indexOf(":");
  const backend = colon < 0 ? spec : spec.slice(0, colon);
  if (!modelBackends[backend] || colon < 0 || colon === spec.length - 1) createModel(spec); // throws the usual error
  if (backend === "human") throw new ConfigError("a batch cannot run human: players", { field: "models" });
  // Files are read for their names (their content is checked when the episode starts).
  if (backend === "scripted" || backend === "replay") return createModel(spec).id;
  return spec;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** sha256 of a file's text: the agent configuration's part of an episode's key. */
export function sha256File(file: string): string {
  return sha256(readFileSync(file, "utf8"));
}

/** A seed for a run that names none, the same on every start of the batch (so its key is too). */
function derivedSeed(identity: unknown): number {
  return Number.parseInt(sha256(JSON.stringify(identity)).slice(0, 8), 16) % 2 ** 31;
}

/**
 * Expands a plan into its episodes: every model x task x temperature x run, in that order of nesting from the
 * inside out (run indices first, so that the first runs of everything come before the second ones). Each episode's
 * key and folder depend only on the plan, never on what is on disk.
 */
export function buildPlan(input: PlanInput, defaults: { output: string }): BatchPlan {
  const tasksDirs = input.tasks_dirs ?? [];
  const discovered = discoverTasks(tasksDirs);
  const taskIds = input.tasks === "all" ? [...discovered.keys()].sort() : input.tasks;
  for (const id of taskIds) {
    const entry = discovered.get(id);
    if (!entry) {
      throw new ConfigError(
        `unknown task '${id}'; known: ${[...discovered.keys()].sort().join(", ")} (add folders with --tasks-dir)`,
        { field: "tasks" },
      );
    }
    if (entry.problem) throw entry.problem;
  }
  const scale = input.scale ?? "small";
  // The task files (at the batch's scale, with their data) are checked now, not an hour into the batch.
  const taskGpus = new Map(
    taskIds.map((id) => {
      const options = { ...(input.data_roots ? { roots: input.data_roots } : {}), scale };
      return [id, loadTaskEntry(discovered.get(id)!, options).config.gpus] as const;
    }),
  );
  const agentFile = resolve(input.agent_config ?? defaultAgentConfigFile());
  const agent = loadAgentConfig(agentFile);
  const agentConfigHash = sha256File(agentFile);
  const seeds = input.seeds;
  const runs = input.runs ?? seeds?.length ?? 1;
  if (seeds && seeds.length < runs) {
    throw new ConfigError(`${seeds.length} seeds for ${runs} runs: give one seed per run (or fewer runs)`, {
      field: "seeds",
    });
  }
  const temperatures = input.temperatures ?? [0];
  const topP = input.top_p ?? 0.95;
  const maxSteps = input.max_steps ?? 50;
  const gpus = (input.gpus ?? []).map(String);
  const gpusPerRunOf = devicesPerRun(input.gpus_per_run, gpus, taskGpus, scale);
  const modelIds = new Map(input.models.map((m) => [m, modelIdOf(m)]));
  for (const name of Object.keys(input.model_concurrency ?? {})) {
    if (!input.models.includes(name)) {
      throw new ConfigError(`'${name}' is not one of the batch's models (${input.models.join(", ")})`, {
        field: "model_concurrency",
      });
    }
  }
  const episodes: EpisodeSpec[] = [];
  for (let runIndex = 0; runIndex < runs; runIndex++) {
    for (const model of input.models) {
      for (const taskId of taskIds) {
        for (const temperature of temperatures) {
          const identity = {
            // The model's name, not the spelling of a scripted file's path: the same plan started from elsewhere
            // (another folder, machine or checkout) has the same keys.
            model: modelIds.get(model)!,
            taskId,
            // Only a scale other than the default enters the key: plans from before scales keep theirs.
            ...(scale !== "small" ? { scale } : {}),
            agentConfigHash,
            temperature,
            topP,
            runIndex,
            maxSteps,
            costLimitUsd: input.cost_limit ?? null,
            timeLimitS: input.time_limit ?? null,
            policyVersion: input.policy_version ?? null,
          };
          const seed = seeds ? seeds[runIndex]! : derivedSeed(identity);
          const key = sha256(JSON.stringify({ ...identity, seed })).slice(0, 32);
          const folder = runFolderName(
            {
              modelId: modelIds.get(model)!,
              taskId,
              agentStem: agent.stem,
              temperature,
              topP,
              costLimit: input.cost_limit ?? 0,
            },
            runIndex,
          );
          episodes.push({
            key,
            folder,
            taskId,
            ...(scale !== "small" ? { scale } : {}),
            model,
            ...(input.agent_config ? { agentConfig: agentFile } : {}),
            agentConfigHash,
            temperature,
            topP,
            seed,
            runIndex,
            maxSteps,
            ...(input.cost_limit !== undefined ? { costLimitUsd: input.cost_limit } : {}),
            ...(input.time_limit !== undefined ? { timeLimitS: input.time_limit } : {}),
            ...(input.policy_version ? { policyVersion: input.policy_version } : {}),
            ...(input.sandbox ? { sandbox: input.sandbox } : {}),
            ...(tasksDirs.length ? { tasksDirs: tasksDirs.map((d) => resolve(d)) } : {}),
            ...(input.data_roots?.length ? { dataRoots: input.data_roots.map((d) => resolve(d)) } : {}),
            ...(input.base_url ? { baseUrl: input.base_url } : {}),
            ...(input.logprobs ? { logprobs: true } : {}),
            ...(input.prices ? { pricesFile: resolve(input.prices) } : {}),
            ...(input.allow_unpriced ? { allowUnpriced: true } : {}),
            gpusPerRun: gpusPerRunOf(taskId),
          });
        }
      }
    }
  }
  const folders = new Map<string, string>();
  for (const e of episodes) {
    const other = folders.get(e.folder);
    if (other) {
      throw new ConfigError(
        `two episodes of the plan would share the run folder ${e.folder} (models ${other} and ${e.model} have the same name); run them in separate batches or outputs`,
        { field: "models" },
      );
    }
    folders.set(e.folder, e.model);
  }
  return {
    id: sha256(episodes.map((e) => e.key).join("\n")).slice(0, 16),
    output: resolve(input.output ?? defaults.output),
    episodes,
    concurrency: input.concurrency ?? 1,
    perModelConcurrency: input.model_concurrency ?? {},
    ...(input.budget !== undefined ? { budgetUsd: input.budget } : {}),
    gpus,
    retries: input.retries ?? 2,
    retryDelayMs: input.retry_delay_ms ?? 5000,
  };
}

/**
 * Devices each episode of a task is given: `gpus_per_run` when the batch sets it, else the task's `gpus` at the
 * scale, else one of the batch's devices when it has any (so that no two episodes share one). A task needing more
 * devices than the batch has is a ConfigError naming the task.
 */
function devicesPerRun(
  perRun: number | undefined,
  gpus: string[],
  taskGpus: Map<string, number>,
  scale: string,
): (taskId: string) => number {
  const need = (id: string) =>
    perRun ?? (taskGpus.get(id)! > 0 ? taskGpus.get(id)! : gpus.length > 0 ? 1 : 0);
  const given = `${gpus.length} ${gpus.length === 1 ? "is" : "are"} given`;
  if (perRun !== undefined && perRun > 0 && gpus.length < perRun) {
    throw new ConfigError(`each run needs ${perRun} device(s) but ${given}; pass --gpus 0,1,...`, {
      field: "gpus_per_run",
    });
  }
  for (const [id, count] of taskGpus) {
    if (perRun !== undefined && perRun < count) {
      throw new ConfigError(
        `task '${id}' needs ${count} GPU(s) at scale ${scale} but gpus_per_run is ${perRun}; raise it or leave it out`,
        { field: "gpus_per_run" },
      );
    }
    if (need(id) > gpus.length) {
      throw new ConfigError(
        `task '${id}' needs ${need(id)} GPU(s) at scale ${scale} but ${given}; pass --gpus 0,1,... (or gpus: in the plan)`,
        { field: "gpus" },
      );
    }
  }
  return need;
}

/** The plan as `--dry-run` prints it: one line per episode, then the settings. */
export function describePlan(plan: BatchPlan): string {
  const lines = plan.episodes.map(
    (e) =>
      `${e.folder}  (task ${e.taskId}, model ${e.model}, t=${e.temperature}, seed ${e.seed}, key ${e.key.slice(0, 12)})`,
  );
  const models = new Set(plan.episodes.map((e) => e.model)).size;
  const tasks = new Set(plan.episodes.map((e) => e.taskId)).size;
  const settings = [
    `${plan.episodes.length} episodes (${models} model${models === 1 ? "" : "s"} x ${tasks} task${tasks === 1 ? "" : "s"}) into ${plan.output}`,
    `at most ${plan.concurrency} at once${Object.entries(plan.perModelConcurrency)
      .map(([m, k]) => `, ${m} at most ${k}`)
      .join("")}`,
    plan.budgetUsd !== undefined ? `budget ${plan.budgetUsd} USD for the whole batch` : "no batch budget",
    plan.gpus.length ? `devices ${plan.gpus.join(",")}, ${devicesSummary(plan)} per run` : "",
    `infrastructure failures retried ${plan.retries} time${plan.retries === 1 ? "" : "s"}`,
    `batch id ${plan.id}`,
  ].filter(Boolean);
  return `${lines.join("\n")}\n${settings.join("; ")}\n`;
}

/** Devices per run as `--dry-run` prints it: one number, or a range when tasks need different counts. */
function devicesSummary(plan: BatchPlan): string {
  const counts = [...new Set(plan.episodes.map((e) => e.gpusPerRun))].sort((a, b) => a - b);
  return counts.length > 1 ? `${counts[0]}-${counts.at(-1)}` : String(counts[0] ?? 0);
}
