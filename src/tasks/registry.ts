import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { loadTaskSpec, type TaskLoadOptions, type TaskSpec } from "../config/load-task.js";
import { dataRootsFromEnv } from "../config/task-paths.js";
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
  /** Other files with this id that were left out in its favour (the first in path order wins), for a warning. */
  shadows?: string[];
  /**
   * The root of the MLGym checkout the task was found in (its `configs/tasks`): its paths may lead anywhere in the
   * checkout, and it takes the place of a built-in task of its id without `override_builtin`.
   */
  checkout?: string;
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

/**
 * The root of the original MLGym's checkout when `dir` is one (or its `configs` or `configs/tasks` folder): a
 * folder with the `mlgym` Python package beside `configs/tasks` and `configs/datasets`.
 */
export function mlgymCheckoutRoot(dir: string): string | undefined {
  let root = resolve(dir);
  if (basename(root) === "tasks" && basename(dirname(root)) === "configs") root = dirname(dirname(root));
  else if (basename(root) === "configs") root = dirname(root);
  const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();
  const looksLikeOne =
    isDir(join(root, "mlgym")) &&
    isDir(join(root, "configs", "tasks")) &&
    isDir(join(root, "configs", "datasets"));
  return looksLikeOne ? root : undefined;
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
 * Finds task YAMLs in the given folders and the built-in folder, up to three levels deep. An id is one task:
 * - two files with one id in the given folders: the first in path order (folders in the order given) is used and
 *   remembers the other in `shadows`, for a warning;
 * - a given folder's task with a built-in task's id is a problem of that id (reported when it is listed or loaded,
 *   naming both files) unless its YAML says `override_builtin: true` or it comes from a checkout of the original
 *   MLGym (`mlgymCheckoutRoot`): pointing at the original's task folder means running the original's tasks.
 */
export function discoverTasks(extraDirs: string[] = []): Map<string, TaskEntry> {
  const found = new Map<string, TaskEntry & { overridesBuiltin: boolean }>();
  const builtin = builtinTasksDir();
  for (const dir of [...extraDirs.map((d) => resolve(d)), builtin]) {
    const checkout = dir === builtin ? undefined : mlgymCheckoutRoot(dir);
    for (const file of yamlFiles(dir, 3, [])) {
      const peek = peekTask(file);
      if (!peek) continue;
      const entry: TaskEntry & { overridesBuiltin: boolean } = {
        id: peek.id,
        file,
        source: dir,
        overridesBuiltin: peek.overridesBuiltin || checkout !== undefined,
      };
      if (checkout) entry.checkout = checkout;
      if (peek.problem) entry.problem = peek.problem;
      const first = found.get(peek.id);
      if (!first) {
        found.set(peek.id, entry);
        continue;
      }
      if (first.file === file) continue; // a folder named twice
      if (dir !== builtin) {
        first.shadows = [...(first.shadows ?? []), file];
        continue;
      }
      if (first.overridesBuiltin) continue;
      first.problem ??= new ConfigError(
        `task id '${peek.id}' is also the id of the built-in task ${file}; add 'override_builtin: true' to this file to use it in place of the built-in, or give it another id`,
        { file: first.file, field: "id" },
      );
    }
  }
  return new Map([...found].map(([id, { overridesBuiltin: _, ...entry }]) => [id, entry]));
}

/** The warning for a task id that several --tasks-dir files define, if it is one. */
export function shadowWarning(entry: TaskEntry): string | undefined {
  if (!entry.shadows?.length) return undefined;
  return `task id '${entry.id}' is defined in ${entry.file} and also in ${entry.shadows.join(", ")}; using ${entry.file} (give the others another id, or pass a task YAML's path in place of the id)`;
}

/**
 * Loads and validates one task YAML the way every command does: the schema, every path it names, its datasets and
 * its kind (`task_entrypoint`).
 */
export function loadTaskFile(file: string, options: TaskLoadOptions = {}): TaskSpec {
  const checkout = mlgymCheckoutRoot(dirname(resolve(file)));
  const spec = loadTaskSpec(file, checkout ? withRoot(options, checkout) : options);
  taskKind(spec.config.task_entrypoint, spec.file);
  return checkout ? { ...withBuiltinMetrics(spec, options), asRecorded: true } : spec;
}

/**
 * An original task with the priority metric and directions of our built-in task of its id, where its YAML names
 * none (the original's YAMLs never do: their first baseline metric, e.g. house prices' rmse, would be taken as the
 * one to maximise) and the built-in's priority metric is among its baseline metrics.
 */
function withBuiltinMetrics(spec: TaskSpec, options: TaskLoadOptions): TaskSpec {
  const { config } = spec;
  if (config.priority_metric || Object.keys(config.metric_directions).length > 0) return spec;
  const entry = discoverTasks([]).get(config.id);
  let builtin: TaskSpec;
  try {
    if (!entry || entry.problem) return spec;
    builtin = loadTaskSpec(entry.file, { ...(options.roots ? { roots: options.roots } : {}) });
  } catch {
    return spec; // a built-in that does not load (its data not prepared) has no say here
  }
  const metric = builtin.priorityMetric;
  if (!metric || !config.baseline_scores[0] || !(metric in config.baseline_scores[0])) return spec;
  return { ...spec, priorityMetric: metric, directionOf: builtin.directionOf };
}

/** The options with `root` added to the data roots (those of `MLGYM_DATA_ROOT` when none are given). */
function withRoot(options: TaskLoadOptions, root: string): TaskLoadOptions {
  const roots = options.roots ?? dataRootsFromEnv();
  return roots.some((r) => resolve(r) === root) ? options : { ...options, roots: [...roots, root] };
}

/** Loads a found task: its problem if it has one, else the validated task. */
export function loadTaskEntry(entry: TaskEntry, options: TaskLoadOptions = {}): TaskSpec {
  if (entry.problem) throw entry.problem;
  return loadTaskFile(entry.file, options);
}

/** Warnings already printed by this process (a server loads a task once per episode). */
const warned = new Set<string>();

/** Whether a task argument names a YAML file rather than an id. */
export function isTaskFile(idOrFile: string): boolean {
  return /\.ya?ml$/i.test(idOrFile);
}

/**
 * Loads a task by id (`battleOfSexes` or `mlgym/battleOfSexes`), or from the path of its YAML (`*.yaml`, any
 * folder: the way to pick one of several files with one id), and validates its kind; `options.roots` are the data
 * roots its paths may lead into besides its folder (default: `MLGYM_DATA_ROOT`).
 */
export function loadTask(id: string, extraDirs: string[] = [], options: TaskLoadOptions = {}): TaskSpec {
  if (isTaskFile(id)) {
    if (!existsSync(id)) throw new ConfigError(`task file '${id}' not found`, { field: "--task" });
    return loadTaskFile(id, options);
  }
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
  const warning = shadowWarning(entry);
  if (warning && !warned.has(warning)) {
    warned.add(warning);
    process.stderr.write(`mlgym: warning: ${warning}\n`);
  }
  return loadTaskEntry(entry, options);
}
