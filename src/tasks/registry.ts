import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadTaskSpec, type TaskLoadOptions, type TaskSpec } from "../config/load-task.js";
import { readYamlFile } from "../config/yaml-file.js";
import { ConfigError } from "../errors.js";
import { projectRoot } from "../runtime/paths.js";
import { taskKind } from "./kinds.js";

/** A task YAML found on disk, loaded lazily. */
export interface TaskEntry {
  id: string;
  file: string;
  /** The folder it was found in (a user's --tasks-dir or the built-in tasks). */
  source: string;
  /**
   * Why the task cannot be used as found: its YAML does not parse, or its id is also another file's (a built-in task
   * without `override_builtin: true`, or another task of the same folders). Loading it throws this error.
   */
  problem?: ConfigError;
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

/** Fields only a task YAML has (a dataset YAML has `name`, `description` and `data_path`). */
const TASK_FIELDS = ["description", "task_entrypoint", "evaluation_paths", "baseline_paths", "starter_code"];

/** What a YAML file says about being a task, read without validating it. */
interface Peek {
  id: string;
  overridesBuiltin: boolean;
  problem?: ConfigError;
}

/**
 * The `id` of a YAML file if it looks like a task config (an `id` and a field only tasks have), without validating
 * it. A file that does not parse is a task (with that problem) when a top-level `id:` line can be read from it.
 */
function peekTask(file: string): Peek | undefined {
  let doc: unknown;
  try {
    doc = readYamlFile(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const id = /^id:[ \t]*["']?([A-Za-z0-9][A-Za-z0-9_.-]*)/m.exec(readFileSync(file, "utf8"))?.[1];
    return id ? { id, overridesBuiltin: false, problem: error } : undefined;
  }
  if (!doc || typeof doc !== "object" || !("id" in doc)) return undefined;
  const fields = doc as Record<string, unknown>;
  if (typeof fields.id !== "string" || !TASK_FIELDS.some((f) => f in fields)) return undefined;
  return { id: fields.id, overridesBuiltin: fields.override_builtin === true };
}

/**
 * Finds task YAMLs in the given folders and the built-in folder, up to three levels deep. An id is one task: two
 * files with the same id are a problem of that id (reported when it is listed or loaded, naming both files), except
 * that a --tasks-dir task replaces the built-in task of its id when its YAML says `override_builtin: true`.
 */
export function discoverTasks(extraDirs: string[] = []): Map<string, TaskEntry> {
  const found = new Map<string, TaskEntry & { overridesBuiltin: boolean }>();
  const builtin = builtinTasksDir();
  for (const dir of [...extraDirs.map((d) => resolve(d)), builtin]) {
    for (const file of yamlFiles(dir, 3, [])) {
      const peek = peekTask(file);
      if (!peek) continue;
      const entry = { id: peek.id, file, source: dir, overridesBuiltin: peek.overridesBuiltin };
      if (peek.problem) Object.assign(entry, { problem: peek.problem });
      const first = found.get(peek.id);
      if (!first) {
        found.set(peek.id, entry);
        continue;
      }
      if (first.file === file) continue; // a folder named twice
      if (dir === builtin && first.source !== builtin && first.overridesBuiltin) continue;
      first.problem ??= new ConfigError(
        dir === builtin && first.source !== builtin
          ? `task id '${peek.id}' is also the id of the built-in task ${file}; add 'override_builtin: true' to this file to use it in place of the built-in, or give it another id`
          : `task id '${peek.id}' is also defined in ${file}; give one of them another id`,
        { file: first.file, field: "id" },
      );
    }
  }
  return new Map([...found].map(([id, { overridesBuiltin: _, ...entry }]) => [id, entry]));
}

/**
 * Loads and validates one task YAML the way every command does: the schema, every path it names, its datasets and
 * its kind (`task_entrypoint`).
 */
export function loadTaskFile(file: string, options: TaskLoadOptions = {}): TaskSpec {
  const spec = loadTaskSpec(file, options);
  taskKind(spec.config.task_entrypoint, spec.file);
  return spec;
}

/** Loads a found task: its problem if it has one, else the validated task. */
export function loadTaskEntry(entry: TaskEntry, options: TaskLoadOptions = {}): TaskSpec {
  if (entry.problem) throw entry.problem;
  return loadTaskFile(entry.file, options);
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
  return loadTaskEntry(entry, options);
}
