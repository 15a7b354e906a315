import { type AgentLimits, runAgent } from "../agent/agent.js";
import { pricingWarning } from "../agent/budget.js";
import { type AgentConfig, toolsetOptions } from "../agent/config.js";
import type { Metrics } from "../config/task-config.js";
import { MLGymEnv } from "../env/env.js";
import type { Model } from "../models/model.js";
import { loadTask } from "../tasks/registry.js";
import { loadToolset } from "../tools/index.js";
import { writeJsonAtomic } from "../trajectory/files.js";
import { runDirectory } from "./run-dir.js";

/** Everything one episode of `mlgym run` or `mlgym replay` needs. */
export interface EpisodeRequest {
  taskId: string;
  model: Model;
  config: AgentConfig;
  /** Folder that receives the run folder. */
  output: string;
  maxSteps: number;
  sandbox?: string;
  tasksDirs?: string[];
  /** Folders the task's paths may lead into besides its own (default: `MLGYM_DATA_ROOT`). */
  dataRoots?: string[];
  temperature: number;
  topP: number;
  seed?: number;
  limits: AgentLimits;
  /** Extra facts recorded in the run folder's `args.json`. */
  args?: Record<string, unknown>;
  /** Live display: one call per line; nothing when omitted. */
  log?: (line: string) => void;
  /** Warnings the user must see even without the live display (e.g. a cost that cannot be known). */
  warn?: (line: string) => void;
  /** The first line of the live display, given the environment and the run folder. */
  announce?: (env: MLGymEnv, outputDir: string) => string;
}

/** What an episode ended with, as the CLI prints it. */
export interface EpisodeSummary {
  exitStatus: string;
  score: Metrics | null;
  baseline: Metrics | null;
  trajectory: string;
  results: string;
}

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Runs one agent episode into a fresh run folder (with `args.json`), closing the environment afterwards. */
export async function runEpisode(req: EpisodeRequest): Promise<EpisodeSummary> {
  // Before any sandbox exists: an unpriced model under a cost limit is a configuration error.
  const warning = pricingWarning(req.model, req.limits);
  const spec = loadTask(req.taskId, req.tasksDirs, req.dataRoots ? { roots: req.dataRoots } : {});
  const env = new MLGymEnv(spec, {
    toolset: loadToolset(toolsetOptions(req.config)),
    maxSteps: req.maxSteps,
    ...(req.sandbox ? { sandbox: req.sandbox } : {}),
  });
  if (warning) req.warn?.(`mlgym: ${warning}`);
  const outputDir = runDirectory(req.output, {
    modelId: req.model.id,
    taskId: env.spec.config.id,
    agentStem: req.config.stem,
    temperature: req.temperature,
    topP: req.topP,
    costLimit: req.limits.costLimitUsd ?? 0,
  });
  writeJsonAtomic(`${outputDir}/args.json`, {
    task: env.spec.config.id,
    model: req.model.id,
    agentConfig: req.config.file,
    maxSteps: req.maxSteps,
    costLimit: req.limits.costLimitUsd,
    ...(req.limits.allowUnpriced ? { allowUnpriced: true } : {}),
    timeLimit: req.limits.timeLimitS,
    temperature: req.temperature,
    topP: req.topP,
    seed: req.seed,
    sandbox: req.sandbox ?? "default",
    ...req.args,
  });
  const log = req.log;
  if (log)
    log(
      req.announce?.(env, outputDir) ??
        `mlgym: ${req.model.id} on ${env.spec.config.id}, writing ${outputDir}`,
    );
  try {
    const result = await runAgent({
      env,
      model: req.model,
      config: req.config,
      outputDir,
      temperature: req.temperature,
      topP: req.topP,
      ...(req.seed !== undefined ? { seed: req.seed } : {}),
      limits: req.limits,
      onStep: (step, info) =>
        log?.(
          `[step ${info.step}/${info.maxSteps}] $ ${oneLine(step.action, 60)}\n    ${oneLine(step.observation, 100)}  ($${info.costUsd.toFixed(4)})`,
        ),
    });
    return {
      exitStatus: result.exitStatus,
      score: result.scores.at(-1) ?? null,
      baseline: env.baselineScores ?? null,
      trajectory: result.trajectoryFile,
      results: result.resultsFile,
    };
  } finally {
    await env.close();
  }
}
