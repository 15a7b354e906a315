import type { Scale } from "../config/task-config.js";
import { ConfigError } from "../errors.js";
import { discoverTasks, loadTask } from "../tasks/registry.js";
import { type EnvOptions, MLGymEnv } from "./env.js";

/** Options of `make`: the environment's, plus extra folders to find task YAMLs in. */
export interface MakeOptions extends EnvOptions {
  tasksDirs?: string[];
  /** Folders besides the task's own that its YAML paths may lead into (default: `MLGYM_DATA_ROOT`). */
  dataRoots?: string[];
  /** The task's scale (default `small`). */
  scale?: Scale;
}

/** Creates the environment of a task: `make("mlgym/battleOfSexes")` (the `mlgym/` prefix is optional). */
export function make(id: string, options: MakeOptions = {}): MLGymEnv {
  const { tasksDirs, dataRoots, scale, ...envOptions } = options;
  if (!id.trim())
    throw new ConfigError("an environment id is required, e.g. mlgym/battleOfSexes", { field: "id" });
  const load = { ...(dataRoots ? { roots: dataRoots } : {}), ...(scale ? { scale } : {}) };
  return new MLGymEnv(loadTask(id, tasksDirs, load), envOptions);
}

/** Ids of every environment `make` can create (`mlgym/<taskId>`), sorted. */
export function listEnvs(tasksDirs: string[] = []): string[] {
  return [...discoverTasks(tasksDirs).keys()].sort().map((id) => `mlgym/${id}`);
}
