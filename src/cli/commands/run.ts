import type { Command } from "commander";
import { DEMO_TASK } from "../../run/demo-task.js";
import { collect, DATA_ROOT_HELP, dataRoots, numberOption, SCALE_HELP, scaleOption } from "../options.js";

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
  logprobs?: boolean;
  prices?: string;
  tasksDir?: string[];
  dataRoot?: string[];
  scale?: string;
  allowUnpriced?: boolean;
  quiet?: boolean;
  json?: boolean;
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
    .option(
      "--cost-limit <usd>",
      "most the episode may spend on the model: no call starts whose worst case (prompt + output cap) would cross it",
    )
    .option(
      "--allow-unpriced",
      "with --cost-limit, run a model whose price is unknown anyway (the limit is then not enforced)",
    )
    .option("--time-limit <seconds>", "wall-clock limit of the episode")
    .option("--temperature <t>", "sampling temperature", "0")
    .option("--top-p <p>", "nucleus sampling", "0.95")
    .option("--sandbox <backend>", "local, bwrap, docker or podman (default: bwrap where it works)")
    .option("--output <dir>", "folder for run folders", "runs")
    .option(
      "--seed <n>",
      "seed of the task and its evaluations (default: a fresh one, recorded in args.json)",
    )
    .option("--base-url <url>", "OpenAI-compatible server (vLLM, Ollama, llama.cpp, LiteLLM, OpenRouter)")
    .option(
      "--logprobs",
      "ask the model for its answers' token log-probabilities (and, from vLLM, the token ids) and record them in the trajectory, for RL training",
    )
    .option(
      "--prices <file>",
      "YAML/JSON price table (model -> {input, output} USD per million tokens) extending the built-in one; a --cost-limit needs a price for the model",
    )
    .option(
      "--tasks-dir <dir>",
      "an extra folder with task YAML files (repeatable); an MLGym checkout: --tasks-dir MLGym/configs/tasks --data-root MLGym",
      collect,
    )
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option("--scale <scale>", SCALE_HELP)
    .option("--quiet", "no live display or summary: warnings and errors only")
    .option("--json", "end with a JSON summary on stdout (for scripts) instead of the readable one")
    .action(async (opts: RunOptions) => {
      const [
        { loadAgentConfig },
        { HumanModel },
        { readPriceFile },
        { chooseModel },
        { runEpisodeAtTerminal },
      ] = await Promise.all([
        import("../../agent/config.js"),
        import("../../models/human.js"),
        import("../../models/price-file.js"),
        import("../../run/choose-model.js"),
        import("../episode-output.js"),
      ]);
      const taskId = opts.task ?? DEMO_TASK;
      const modelOptions = {
        ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
        ...(opts.logprobs ? { logprobs: true } : {}),
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
      const scale = scaleOption(opts.scale);
      await runEpisodeAtTerminal(
        {
          taskId,
          model,
          config,
          output: opts.output,
          maxSteps,
          ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
          ...(opts.tasksDir ? { tasksDirs: opts.tasksDir } : {}),
          dataRoots: dataRoots(opts.dataRoot),
          ...(scale ? { scale } : {}),
          temperature,
          topP,
          ...(seed !== undefined ? { seed } : {}),
          limits: {
            ...(costLimit !== undefined ? { costLimitUsd: costLimit } : {}),
            ...(timeLimit !== undefined ? { timeLimitS: timeLimit } : {}),
            ...(opts.allowUnpriced ? { allowUnpriced: true } : {}),
          },
        },
        { ...opts, human: model instanceof HumanModel },
      );
    });
}
