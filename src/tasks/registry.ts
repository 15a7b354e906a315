import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { loadTaskSpec, type TaskLoadOptions, type TaskSpec } from "../config/load-task.js";
import { ConfigError } from "../errors.js";
import { projectRoot } from "../runtime/paths.js";
import { taskKind } from "./kinds.js";

/** A task YAML found on disk, loaded lazily. */
export interface TaskEntry {
  id: string;
  file: string;
  /** The folder it was found in (a user's --tasks-dir or the built-in tasks). */
  source: string;
}

/** The built-in task folder of the project. */
export function builtinTasksDir(): string {
  return join(projectRoot(), "tasks");
}

function yamlFiles(dir: string, depth: number, out: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    if (name.startsWith(".") || name === "node_modules") continue;
    const path = join(dir, name);
    let isDir = false;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      continue;
    }
    if (isDir && depth > 0) yamlFiles(path, depth - 1, out);
    else if (!isDir && /\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

/** The `id` of a YAML file if it looks like a task config (has `id` and `description`), without validating it. */
function peekTaskId(file: string): string | undefined {
  try {
    const doc = parse(readFileSync(file, "utf8")) as unknown;
    if (doc && typeof doc === "object" && "id" in doc && "description" in doc) {
      const id = (doc as { id: unknown }).id;
      return typeof id === "string" ? id : undefined;
    }
  } catch {
    // not a YAML file we can read: not a task
  }
  return undefined;
}

/**
 * Finds task YAMLs in the given folders (searched first, so users can override built-in tasks) and the built-in
 * folder, up to three levels deep. Two files with the same id in one folder are an error.
 */
export function discoverTasks(extraDirs: string[] = []): Map<string, TaskEntry> {
  const found = new Map<string, TaskEntry>();
  for (const dir of [...extraDirs.map((d) => resolve(d)), builtinTasksDir()]) {
    const seenHere = new Map<string, string>();
    for (const file of yamlFiles(dir, 3, [])) {
      const id = peekTaskId(file);
      if (!id) continue;
      const twin = seenHere.get(id);
      if (twin) throw new ConfigError(`task id '${id}' is also defined in ${twin}`, { file, field: "id" });
      seenHere.set(id, file);
      if (!found.has(id)) found.set(id, { id, file, source: dir });
    }
  }
  return found;
}

/**
 * Loads a task by id (`battleOfSexes` or `mlgym/battleOfSexes`) and validates its kind; `options.roots` are the data
 * roots its paths may lead into besides its folder (default: `MLGYM_DATA_ROOT`).
 */
export function loadTask(id: string, extraDirs: string[] = [], options: TaskLoadOptions = {}): TaskSpec {
  const taskId = id.replace(/^mlgym\//, "");
  const tasks = discoverTasks(extraDirs);
  const entry = tasks.get(taskId);
  if (!entry) {
    const available = [...tasks.keys()].sort();
    throw new ConfigError(
      `unknown task '${taskId}'; available: ${available.length > 0 ? available.join(", ") : "(none found)"}`,
      { field: "--task" },
    );
  }
  const spec = loadTaskSpec(entry.file, options);
  taskKind(spec.config.task_entrypoint, entry.file);
  return spec;
}
