import type { Command } from "commander";
import { runAgent } from "../../agent/agent.js";
import { loadAgentConfig, toolsetOptions } from "../../agent/config.js";
import { make } from "../../env/make.js";
import { readPriceFile } from "../../models/price-file.js";
import { chooseModel, DEMO_TASK } from "../../run/choose-model.js";
import { runDirectory } from "../../run/run-dir.js";
import { loadToolset } from "../../tools/index.js";
import { writeJsonAtomic } from "../../trajectory/files.js";
import { collect, numberOption, oneLine } from "../options.js";

interface RunOptions {
  task?: string;
  model?: string;
  agentConfig?: string;
  maxSteps: string;
  costLimit?: string;
  timeLimit?: string;
  temperature: string;
  topP: string;
  sandbox?: string;
  output: string;
  seed?: string;
  baseUrl?: string;
  prices?: string;
  tasksDir?: string[];
  quiet?: boolean;
}

/** `mlgym run`: one agent episode on a task, writing `<task>.traj` and `results.json`. */
export function registerRun(program: Command): void {
  program
    .command("run")
    .description(
      "run an agent episode on a task (the scripted demonstration agent when no model or API key is set)",
    )
    .option("--task <id>", `task to solve (default: ${DEMO_TASK})`)
    .option(
      "--model <backend:name>",
      "model, e.g. openai:gpt-4o, anthropic:claude-3-7-sonnet-latest, scripted:<file>",
    )
    .option("--agent-config <file>", "agent YAML (default: agents/default.yaml)")
    .option("--max-steps <n>", "actions before the episode is autosubmitted", "50")
    .option("--cost-limit <usd>", "most the episode may spend on the model")
    .option("--time-limit <seconds>", "wall-clock limit of the episode")
    .option("--temperature <t>", "sampling temperature", "0")
    .option("--top-p <p>", "nucleus sampling", "0.95")
    .option("--sandbox <backend>", "local or bwrap (default: bwrap where it works)")
    .option("--output <dir>", "folder for run folders", "runs")
    .option("--seed <n>", "seed passed to the task")
    .option("--base-url <url>", "OpenAI-compatible server (vLLM, Ollama, llama.cpp, LiteLLM, OpenRouter)")
    .option(
      "--prices <file>",
      "YAML/JSON price table (model -> {input, output} USD per million tokens) extending the built-in one",
    )
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--quiet", "no live display; logs only")
    .action(async (opts: RunOptions) => {
      const taskId = opts.task ?? DEMO_TASK;
      const modelOptions = {
        ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
        ...(opts.prices ? { prices: readPriceFile(opts.prices) } : {}),
      };
      const { model, note } = chooseModel(opts.model, modelOptions, taskId);
      if (note) process.stderr.write(`mlgym: ${note}\n`);
      const config = loadAgentConfig(opts.agentConfig);
      const maxSteps = numberOption(opts.maxSteps, "--max-steps", 1)!;
      const costLimit = numberOption(opts.costLimit, "--cost-limit");
      const timeLimit = numberOption(opts.timeLimit, "--time-limit", 1);
      const temperature = numberOption(opts.temperature, "--temperature")!;
      const topP = numberOption(opts.topP, "--top-p")!;
      const seed = numberOption(opts.seed, "--seed");
      const env = make(taskId, {
        toolset: loadToolset(toolsetOptions(config)),
        maxSteps,
        ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
        ...(opts.tasksDir ? { tasksDirs: opts.tasksDir } : {}),
      });
      const outputDir = runDirectory(opts.output, {
        modelId: model.id,
        taskId: env.spec.config.id,
        agentStem: config.stem,
        temperature,
        topP,
        costLimit: costLimit ?? 0,
      });
      writeJsonAtomic(`${outputDir}/args.json`, {
        task: env.spec.config.id,
        model: model.id,
        agentConfig: config.file,
        maxSteps,
        costLimit,
        timeLimit,
        temperature,
        topP,
        seed,
        sandbox: opts.sandbox ?? "default",
      });
      if (!opts.quiet)
        process.stderr.write(`mlgym: ${model.id} on ${env.spec.config.id}, writing ${outputDir}\n`);
      try {
        const result = await runAgent({
          env,
          model,
          config,
          outputDir,
          temperature,
          topP,
          ...(seed !== undefined ? { seed } : {}),
          limits: {
            ...(costLimit !== undefined ? { costLimitUsd: costLimit } : {}),
            ...(timeLimit !== undefined ? { timeLimitS: timeLimit } : {}),
          },
          onStep: (step, info) => {
            if (opts.quiet) return;
            process.stderr.write(
              `[step ${info.step}/${info.maxSteps}] $ ${oneLine(step.action, 60)}\n    ${oneLine(step.observation, 100)}  ($${info.costUsd.toFixed(4)})\n`,
            );
          },
        });
        const last = result.scores.at(-1);
        process.stdout.write(
          `${JSON.stringify({ exitStatus: result.exitStatus, score: last ?? null, baseline: env.baselineScores ?? null, trajectory: result.trajectoryFile, results: result.resultsFile })}\n`,
        );
      } finally {
        await env.close();
      }
    });
}
