import { type AgentLimits, runAgent, type StepProgress } from "../agent/agent.js";
import { pricingWarning } from "../agent/budget.js";
import { type AgentConfig, toolsetOptions } from "../agent/config.js";
import type { Ledger } from "../batch/types.js";
import type { Metrics, Scale } from "../config/task-config.js";
import { MLGymEnv } from "../env/env.js";
import { freshSeed } from "../env/evaluation.js";
import type { InfrastructureFailure } from "../errors.js";
import type { Model } from "../models/model.js";
import { sandboxFactory } from "../sandbox/registry.js";
import { loadTask } from "../tasks/registry.js";
import { loadToolset } from "../tools/index.js";
import { writeJsonAtomic } from "../trajectory/files.js";
import { bestScore, LiveDisplay } from "./live-display.js";
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
  /** The task's scale (default `small`). */
  scale?: Scale;
  temperature: number;
  topP: number;
  seed?: number;
  limits: AgentLimits;
  /** Extra facts recorded in the run folder's `args.json`. */
  args?: Record<string, unknown>;
  /** Live display: where its text goes (stderr); nothing when omitted. */
  log?: (text: string) => void;
  /** The live display draws a spinner (a terminal) rather than a line every few seconds (a log file). */
  tty?: boolean;
  /** Warnings the user must see even without the live display (a cost that cannot be known, an infrastructure failure). */
  warn?: (line: string) => void;
  /** The first line of the live display, given the environment and the run folder. */
  announce?: (env: MLGymEnv, outputDir: string) => string;
  /** Stops the episode (Ctrl-C): it ends with `exit_interrupted`, its files written. */
  signal?: AbortSignal;
  /** Gets the environment once made, e.g. to interrupt a human player's running command. */
  onEnv?: (env: MLGymEnv) => void;
  /** The exact run folder (a batch's, fixed by its plan) instead of the first free `_run_<i>` under `output`. */
  outputDir?: string;
  /** The batch's budget, shared with its other episodes. */
  ledger?: Ledger;
  /** GPU ids given to this episode. */
  devices?: string[];
  /** Recorded in the trajectory (`info.policy_version`) and args.json. */
  policyVersion?: string;
  /** Called after every step (a batch's live display, a queue job's progress). */
  onProgress?: (info: StepProgress & { bestScore: number | null }) => void;
}

/** What an episode ended with, as the CLI prints it. */
export interface EpisodeSummary {
  task: string;
  model: string;
  exitStatus: string;
  score: Metrics | null;
  baseline: Metrics | null;
  /** The metric scores are ranked on, when the task names one. */
  priorityMetric: string | null;
  /** The best value of the priority metric over the episode's evaluations. */
  bestScore: number | null;
  steps: number;
  /** US dollars spent on the model; null when its price is unknown. */
  costUsd: number | null;
  /** Set when the infrastructure (model API, sandbox), not the agent, ended the episode. */
  infrastructureError: InfrastructureFailure | null;
  runDir: string;
  trajectory: string;
  results: string;
}

/** Runs one agent episode into a fresh run folder (with `args.json`), closing the environment afterwards. */
export async function runEpisode(req: EpisodeRequest): Promise<EpisodeSummary> {
  // Before any sandbox exists: an unpriced model under a cost limit is a configuration error.
  const warning = pricingWarning(req.model, req.limits);
  const spec = loadTask(req.taskId, req.tasksDirs, {
    ...(req.dataRoots ? { roots: req.dataRoots } : {}),
    ...(req.scale ? { scale: req.scale } : {}),
  });
  const env = new MLGymEnv(spec, {
    toolset: loadToolset(toolsetOptions(req.config)),
    maxSteps: req.maxSteps,
    // run/ picks the backend; resolved at reset, where an unusable one is reported as before.
    sandboxFactory: (sandboxSpec) => sandboxFactory(req.sandbox)(sandboxSpec),
    ...(req.devices ? { devices: req.devices } : {}),
  });
  if (warning) req.warn?.(`mlgym: ${warning}`);
  const outputDir =
    req.outputDir ??
    runDirectory(req.output, {
      modelId: req.model.id,
      taskId: env.spec.config.id,
      agentStem: req.config.stem,
      temperature: req.temperature,
      topP: req.topP,
      costLimit: req.limits.costLimitUsd ?? 0,
    });
  // A run given no seed gets a fresh one, recorded here so that it can be reproduced with --seed.
  const seed = req.seed ?? freshSeed();
  writeJsonAtomic(`${outputDir}/args.json`, {
    task: env.spec.config.id,
    ...(req.scale && req.scale !== "small" ? { scale: req.scale } : {}),
    model: req.model.id,
    agentConfig: req.config.file,
    maxSteps: req.maxSteps,
    costLimit: req.limits.costLimitUsd,
    ...(req.limits.allowUnpriced ? { allowUnpriced: true } : {}),
    timeLimit: req.limits.timeLimitS,
    temperature: req.temperature,
    topP: req.topP,
    seed,
    sandbox: req.sandbox ?? "default",
    ...req.args,
  });
  req.onEnv?.(env);
  const key = env.spec.priorityMetric;
  const task = {
    priorityMetric: key,
    direction: key === undefined ? "maximize" : env.spec.directionOf(key),
    baseline: undefined as Metrics | undefined,
  };
  const log = req.log;
  const display = log ? new LiveDisplay(task, { write: log, tty: req.tty ?? false }) : undefined;
  display?.line(
    req.announce?.(env, outputDir) ?? `mlgym: ${req.model.id} on ${env.spec.config.id}, writing ${outputDir}`,
  );
  try {
    const result = await runAgent({
      env,
      model: req.model,
      config: req.config,
      outputDir,
      temperature: req.temperature,
      topP: req.topP,
      seed,
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.ledger ? { ledger: req.ledger } : {}),
      ...(req.policyVersion ? { policyVersion: req.policyVersion } : {}),
      limits: req.limits,
      onEvent: (event) => {
        if (event.kind === "query") task.baseline ??= env.baselineScores;
        display?.onEvent(event);
        if (event.kind === "infrastructure") {
          const { kind, message, step } = event.failure;
          display?.end();
          req.warn?.(`mlgym: infrastructure failure (${kind}) at step ${step}: ${message}`);
        }
      },
      onStep: (step, info) => {
        display?.onStep(step, info);
        req.onProgress?.({ ...info, bestScore: bestScore(info.scores, task) ?? null });
      },
    });
    display?.end();
    return {
      task: env.spec.config.id,
      model: req.model.id,
      exitStatus: result.exitStatus,
      score: result.scores.at(-1) ?? null,
      baseline: env.baselineScores ?? null,
      priorityMetric: key ?? null,
      bestScore: bestScore(result.scores, task) ?? null,
      steps: env.currentStep,
      costUsd: req.model.costUnknown ? null : result.stats.total_cost,
      infrastructureError: result.infrastructureError ?? null,
      runDir: outputDir,
      trajectory: result.trajectoryFile,
      results: result.resultsFile,
    };
  } finally {
    display?.end();
    await env.close();
  }
}
