import { resolve } from "node:path";
import type { TaskSpec } from "../config/load-task.js";
import { taskConfigSchema } from "../config/task-config.js";

/** A stand-in task for a bare workspace folder (`mlgym exec --dir`): tools and shell work, there is nothing to evaluate. */
export function workspaceTaskSpec(dir: string): TaskSpec {
  const config = taskConfigSchema.parse({
    id: "workspace",
    name: "Workspace",
    description: `Work in the folder ${resolve(dir)}. This workspace has no task, so validate and submit have nothing to evaluate.`,
  });
  return {
    config,
    file: resolve(dir),
    datasets: [],
    description: config.description,
    starterCode: [],
    directionOf: () => "maximize",
  };
}
