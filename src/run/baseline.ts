import type { Metrics } from "../config/task-config.js";
import type { MLGymEnv } from "../env/env.js";
import { ConfigError, MLGymError } from "../errors.js";
import { taskKind } from "../tasks/kinds.js";

/** Whether the task's baseline is only its recorded `baseline_scores` (no `baseline_paths`: the original's Titanic). */
export function baselineIsRecorded(config: MLGymEnv["spec"]["config"]): boolean {
  return config.baseline_paths.length === 0 && config.baseline_scores[0] !== undefined;
}

/**
 * Runs the task's first baseline script in the (reset) environment's sandbox and evaluates what it produced. A
 * baseline that is the evaluation script itself (the game and heuristic tasks) is not run twice: its score is the
 * evaluation of the starter code. A task with no baseline code but recorded `baseline_scores` returns those, as the
 * environment does for its reward.
 */
export async function runBaseline(env: MLGymEnv): Promise<Metrics> {
  const { config } = env.spec;
  const baselinePath = config.baseline_paths[0];
  const recorded = config.baseline_scores[0];
  if (!baselinePath && recorded) return { ...recorded };
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
  return (await env.evaluate()).metrics;
}
