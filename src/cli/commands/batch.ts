import type { Command } from "commander";
import { collect, DATA_ROOT_HELP, numberOption, SCALE_HELP, scaleOption } from "../options.js";

interface BatchFlags {
  tasks?: string;
  models?: string;
  runs?: string;
  concurrency?: string;
  modelConcurrency?: string;
  budget?: string;
  output?: string;
  agentConfig?: string;
  sandbox?: string;
  gpus?: string;
  gpusPerRun?: string;
  scale?: string;
  maxSteps?: string;
  costLimit?: string;
  timeLimit?: string;
  temperatures?: string;
  topP?: string;
  seeds?: string;
  policyVersion?: string;
  retries?: string;
  retryDelay?: string;
  baseUrl?: string;
  logprobs?: boolean;
  prices?: string;
  allowUnpriced?: boolean;
  tasksDir?: string[];
  dataRoot?: string[];
  queue?: string;
  dryRun?: boolean;
  report?: boolean;
  quiet?: boolean;
}

const split = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function numbers(value: string, field: string, min = 0): number[] {
  return split(value).map((v) => numberOption(v, field, min)!);
}

/** `model=K,model=K` (a model name holds colons, so the cap follows the last `=`). */
function modelCaps(value: string): Record<string, number> {
  const caps: Record<string, number> = {};
  for (const part of split(value)) {
    const at = part.lastIndexOf("=");
    caps[part.slice(0, at)] = numberOption(part.slice(at + 1), "--model-concurrency", 1)!;
  }
  return caps;
}

/** `mlgym batch`: many episodes (models x tasks x runs) in one command, resumable, within one budget. */
export function registerBatch(program: Command): void {
  program
    .command("batch [plan]")
    .description(
      "run a whole benchmark: every model x task x run, at most K at once, resumable (a restart skips what completed), within one budget; plan from flags or a YAML file",
    )
    .option("--tasks <ids>", "comma-separated task ids, or 'all'")
    .option(
      "--models <specs>",
      "comma-separated models, e.g. openai:gpt-4o,anthropic:claude-3-7-sonnet-latest",
    )
    .option("--runs <n>", "runs per model and task (default 1, or one per --seeds)")
    .option("--concurrency <k>", "episodes at once (default 1)")
    .option("--model-concurrency <caps>", "per-model caps for rate-limited APIs: openai:gpt-4o=2,...")
    .option(
      "--budget <usd>",
      "most the whole batch may spend on models (every call reserves its worst case first)",
    )
    .option("--output <dir>", "folder for the run folders (default: runs)")
    .option("--agent-config <file>", "agent YAML (default: agents/default.yaml)")
    .option("--sandbox <backend>", "local, bwrap, docker or podman (default: bwrap where it works)")
    .option("--gpus <ids>", "device ids to hand out, e.g. 0,1,2,3; no two running episodes share one")
    .option(
      "--gpus-per-run <g>",
      "devices per episode (default: the task's gpus at the scale, else 1 when --gpus is given)",
    )
    .option("--scale <scale>", SCALE_HELP)
    .option("--max-steps <n>", "actions per episode (default 50)")
    .option("--cost-limit <usd>", "limit of each episode (the batch budget is --budget)")
    .option("--time-limit <seconds>", "wall-clock limit of each episode")
    .option("--temperatures <list>", "sampling temperatures; each one is a separate set of runs (default 0)")
    .option("--top-p <p>", "nucleus sampling (default 0.95)")
    .option(
      "--seeds <list>",
      "seed of each run, in order (default: one derived from the episode, stable across restarts)",
    )
    .option(
      "--policy-version <tag>",
      "recorded in every episode's args.json and trajectory (training-data generation)",
    )
    .option("--retries <n>", "retries of an episode ended by an infrastructure failure (default 2)")
    .option("--retry-delay <ms>", "first retry delay, doubled each time (default 5000)")
    .option("--base-url <url>", "OpenAI-compatible server for openai: models")
    .option(
      "--logprobs",
      "ask the model for its answers' token log-probabilities (and, from vLLM, the token ids) and record them in the trajectory, for RL training",
    )
    .option("--prices <file>", "YAML/JSON price table (model -> {input, output} USD per million tokens)")
    .option(
      "--allow-unpriced",
      "run models whose price is unknown under a budget or cost limit (not enforced for them)",
    )
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option(
      "--queue <url>",
      "distributed: enqueue on Redis (redis://host:port) for `mlgym worker`s, and follow",
    )
    .option("--dry-run", "print the plan (every episode, its folder and seed) and exit")
    .option("--no-report", "skip the report tables written at the end (into <output>/report)")
    .option("--quiet", "no live display: warnings, failures and the summary only")
    .action(async (planFile: string | undefined, flags: BatchFlags) => {
      const { runBatchCommand } = await import("../../batch/command.js");
      const { buildPlan, readPlanFile } = await import("../../batch/plan.js");
      const { ConfigError } = await import("../../errors.js");
      const fromFile = planFile ? readPlanFile(planFile) : undefined;
      const tasks = flags.tasks ?? fromFile?.tasks;
      const models = flags.models ? split(flags.models) : fromFile?.models;
      if (!tasks || !models || models.length === 0) {
        throw new ConfigError(
          "a batch needs tasks and models: --tasks <ids|all> --models <m1,m2>, or a plan file",
          {
            field: planFile ? "tasks" : "--tasks",
            ...(planFile ? { file: planFile } : {}),
          },
        );
      }
      const n = (v: string | undefined, field: string, min = 0) => numberOption(v, field, min);
      const input = {
        ...fromFile,
        tasks: tasks === "all" ? ("all" as const) : Array.isArray(tasks) ? tasks : split(tasks),
        models,
        ...(flags.runs ? { runs: n(flags.runs, "--runs", 1) } : {}),
        ...(flags.concurrency ? { concurrency: n(flags.concurrency, "--concurrency", 1) } : {}),
        ...(flags.modelConcurrency ? { model_concurrency: modelCaps(flags.modelConcurrency) } : {}),
        ...(flags.budget ? { budget: n(flags.budget, "--budget") } : {}),
        ...(flags.output ? { output: flags.output } : {}),
        ...(flags.agentConfig ? { agent_config: flags.agentConfig } : {}),
        ...(flags.sandbox ? { sandbox: flags.sandbox } : {}),
        ...(flags.gpus ? { gpus: split(flags.gpus) } : {}),
        ...(flags.gpusPerRun ? { gpus_per_run: n(flags.gpusPerRun, "--gpus-per-run") } : {}),
        ...(flags.scale ? { scale: scaleOption(flags.scale) } : {}),
        ...(flags.maxSteps ? { max_steps: n(flags.maxSteps, "--max-steps", 1) } : {}),
        ...(flags.costLimit ? { cost_limit: n(flags.costLimit, "--cost-limit") } : {}),
        ...(flags.timeLimit ? { time_limit: n(flags.timeLimit, "--time-limit", 1) } : {}),
        ...(flags.temperatures ? { temperatures: numbers(flags.temperatures, "--temperatures") } : {}),
        ...(flags.topP ? { top_p: n(flags.topP, "--top-p") } : {}),
        ...(flags.seeds ? { seeds: numbers(flags.seeds, "--seeds") } : {}),
        ...(flags.policyVersion ? { policy_version: flags.policyVersion } : {}),
        ...(flags.retries ? { retries: n(flags.retries, "--retries") } : {}),
        ...(flags.retryDelay ? { retry_delay_ms: n(flags.retryDelay, "--retry-delay") } : {}),
        ...(flags.baseUrl ? { base_url: flags.baseUrl } : {}),
        ...(flags.logprobs ? { logprobs: true } : {}),
        ...(flags.prices ? { prices: flags.prices } : {}),
        ...(flags.allowUnpriced ? { allow_unpriced: true } : {}),
        ...(flags.tasksDir ? { tasks_dirs: flags.tasksDir } : {}),
        ...(flags.dataRoot ? { data_roots: flags.dataRoot } : {}),
      } as import("../../batch/plan.js").PlanInput;
      const plan = buildPlan(input, { output: "runs" });
      if (flags.dryRun) {
        const { describePlan } = await import("../../batch/plan.js");
        process.stdout.write(describePlan(plan));
        return;
      }
      await runBatchCommand(plan, {
        ...(flags.queue ? { queue: flags.queue } : {}),
        report: flags.report !== false,
        quiet: flags.quiet === true,
      });
    });
}
