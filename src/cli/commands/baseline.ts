import type { Command } from "commander";
import type { Metrics } from "../../config/task-config.js";
import type { MLGymEnv } from "../../env/env.js";
import { evaluateSubmission } from "../../env/evaluation.js";
import { make } from "../../env/make.js";
import { ConfigError, MLGymError } from "../../errors.js";
import { taskKind } from "../../tasks/kinds.js";
import { collect } from "../options.js";

/**
 * Runs the task's first baseline script in the (reset) environment's sandbox and evaluates what it produced. A
 * baseline that is the evaluation script itself (the game and heuristic tasks) is not run twice: its score is the
 * evaluation of the starter code.
 */
export async function runBaseline(env: MLGymEnv): Promise<Metrics> {
  const { config } = env.spec;
  const baselinePath = config.baseline_paths[0];
  if (!baselinePath) {
    throw new ConfigError(`task '${config.id}' has no baseline_paths`, {
      file: env.spec.file,
      field: "baseline_paths",
    });
  }
  if (baselinePath !== config.evaluation_paths[0]) {
    const run = await env.step(taskKind(config.task_entrypoint).baselineCommand(baselinePath));
    if (run.info.exitCode !== 0) {
      throw new MLGymError(
        `the baseline script ${baselinePath} failed (exit ${run.info.exitCode ?? "killed"}${
          run.info.timedOut ? ", timed out" : ""
        }): ${run.observation.slice(-2000)}`,
      );
    }
  }
  return (await evaluateSubmission(env.spec, env.sandbox, env.longTimeoutS)).metrics;
}

function formatMetrics(metrics: Metrics): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(6)}`)
    .join(" ");
}

/** `mlgym baseline <taskId>`: runs a task's baseline in a fresh sandbox and prints the metrics it scores. */
export function registerBaseline(program: Command): void {
  program
    .command("baseline")
    .description("run a task's baseline in a fresh sandbox, evaluate it and print the metrics")
    .argument("<taskId>", "the task, e.g. battleOfSexes")
    .option("--json", 'print {"taskId": ..., "metrics": {...}}')
    .option("--sandbox <backend>", "sandbox backend: local or bwrap (default: bwrap where it works)")
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .action(async (taskId: string, opts: { json?: boolean; sandbox?: string; tasksDir?: string[] }) => {
      const env = make(taskId, {
        ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
        ...(opts.tasksDir ? { tasksDirs: opts.tasksDir } : {}),
      });
      try {
        await env.reset();
        const metrics = await runBaseline(env);
        const id = env.spec.config.id;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ taskId: id, metrics })}\n`);
          return;
        }
        const recorded = env.spec.config.baseline_scores[0];
        process.stdout.write(`${id}: ${formatMetrics(metrics)}\n`);
        if (recorded) process.stdout.write(`recorded baseline: ${formatMetrics(recorded)}\n`);
      } finally {
        await env.close();
      }
    });
}
