import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { loadTaskSpec, type TaskSpec } from "../config/load-task.js";
import { discoverTasks } from "../tasks/registry.js";
import type { Severity } from "./audit-file.js";
import { pythonImports } from "./python-ops.js";
import { shadowNames } from "./shadow-names.js";

/** What the rules know about the task of a run. */
export interface AuditContext {
  taskId: string;
  /** The task YAML used; null when the task was not found (defaults apply). */
  taskFile: string | null;
  /** Workspace-relative evaluation files (`evaluation_paths`): evaluate.py, target.py, solver.py, ... */
  evaluationFiles: string[];
  /** Workspace-relative hidden files (`hidden_files`, `secret_files`): the ground truth. */
  hiddenFiles: string[];
  /** Workspace-relative names of the starter code (writing them is the agent's job). */
  starterFiles: string[];
  /** Metric names of the task (baseline scores, directions, recorded scores). */
  metricNames: string[];
  /** Workspace-relative Python files the evaluation process imports (the submission: strategy.py, heuristic.py). */
  evaluatedModules: string[];
  /** Module names the evaluation imports from the workspace (`target`, `strategy`). */
  localModules: string[];
  /** Module names a workspace file must not take, with the severity of doing so. */
  shadowNames: ReadonlyMap<string, Severity>;
  /** Lines (8+ characters) of the hidden files that no visible file holds, mapped to their file. */
  hiddenLines: ReadonlyMap<string, string>;
  /** What limited the audit of this task. */
  notes: string[];
}

/** A context with defaults for what is not given (an unknown task: evaluate.py is the only protected file). */
export function makeContext(fields: Partial<AuditContext> & { taskId: string }): AuditContext {
  return {
    taskFile: null,
    evaluationFiles: ["evaluate.py"],
    hiddenFiles: [],
    starterFiles: [],
    metricNames: [],
    evaluatedModules: [],
    localModules: [],
    shadowNames: shadowNames(),
    hiddenLines: new Map(),
    notes: [],
    ...fields,
  };
}

const MIN_HIDDEN_LINE = 8;
const MAX_LINES = 200_000;
const MAX_TEXT_BYTES = 64 * 1024 * 1024;
const TEXT_FILE = /\.(?:csv|tsv|txt|json|jsonl)$/i;

function strip(path: string): string {
  return path.replace(/^\.\//, "");
}

/** The host file behind a workspace path: starter code by name, `data/...` in the task's local dataset. */
function hostPath(spec: TaskSpec, workspacePath: string): string | undefined {
  const [first = "", ...rest] = strip(workspacePath).split("/");
  const starter = spec.starterCode.find((s) => s.name === first);
  if (starter) {
    const path = join(starter.hostPath, ...rest);
    if (existsSync(path)) return path;
  }
  if (first === "data") {
    for (const dataset of spec.datasets) {
      if (!dataset.localPath) continue;
      const path = join(dataset.localPath, ...rest);
      if (existsSync(path)) return path;
    }
  }
  const beside = join(dirname(spec.file), strip(workspacePath));
  return existsSync(beside) ? beside : undefined;
}

function readText(path: string): string | undefined {
  try {
    if (statSync(path).size > MAX_TEXT_BYTES) return undefined;
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function candidateLines(text: string, csv: boolean): string[] {
  const lines = text.split("\n", MAX_LINES).map((l) => l.trim());
  return (csv ? lines.slice(1) : lines).filter((l) => l.length >= MIN_HIDDEN_LINE);
}

/** Visible text files of the task: the local datasets (hidden files excluded) and the starter code. */
function visibleFiles(spec: TaskSpec, hiddenHosts: ReadonlySet<string>): string[] {
  const files: string[] = [];
  const walk = (path: string, depth: number) => {
    let info: ReturnType<typeof statSync>;
    try {
      info = statSync(path);
    } catch {
      return;
    }
    if (info.isDirectory()) {
      if (depth > 3) return;
      for (const name of readdirSync(path)) walk(join(path, name), depth + 1);
    } else if (TEXT_FILE.test(path) && !hiddenHosts.has(path)) files.push(path);
  };
  for (const dataset of spec.datasets) if (dataset.localPath) walk(dataset.localPath, 0);
  for (const starter of spec.starterCode) walk(starter.hostPath, 0);
  return files;
}

/** The lines of the hidden files worth looking for in observations. */
function hiddenLinesOf(spec: TaskSpec, hidden: readonly string[], notes: string[]): Map<string, string> {
  const lines = new Map<string, string>();
  const hosts = new Set<string>();
  for (const file of hidden) {
    const host = hostPath(spec, file);
    const text = host ? readText(host) : undefined;
    if (!host || text === undefined) {
      notes.push(`hidden file ${file} not readable on this machine: observations not checked for it`);
      continue;
    }
    hosts.add(host);
    for (const line of candidateLines(text, /\.csv$/i.test(file)))
      if (!lines.has(line)) lines.set(line, file);
  }
  if (lines.size === 0) return lines;
  for (const path of visibleFiles(spec, hosts)) {
    const text = readText(path);
    if (text === undefined) continue;
    for (const line of text.split("\n", MAX_LINES)) lines.delete(line.trim());
  }
  return lines;
}

/** Calls that load the agent's module by name: `importlib.import_module("x")`, `agent_function("x", ...)`. */
const MODULE_BY_NAME = /\b(?:import_module|__import__|agent_\w+)\s*\(\s*["']([A-Za-z_][\w.]*)["']/g;

/** Module names the evaluation files import (or load by name) that are not the standard library's or the runtime's. */
function evaluationImports(
  spec: TaskSpec,
  evaluationFiles: readonly string[],
  shadow: ReadonlyMap<string, Severity>,
) {
  const local = new Set<string>();
  for (const file of evaluationFiles) {
    if (!file.endsWith(".py")) continue;
    const host = hostPath(spec, file);
    const text = host ? readText(host) : undefined;
    if (text === undefined) continue;
    const byName = [...text.matchAll(MODULE_BY_NAME)].map((m) => m[1] as string);
    for (const name of [...pythonImports(text), ...byName])
      if (!shadow.has(name.split(".")[0] as string)) local.add(name);
  }
  return [...local];
}

/** The rules' view of a loaded task. */
export function contextFromSpec(spec: TaskSpec, extraMetrics: readonly string[] = []): AuditContext {
  const { config } = spec;
  const notes: string[] = [];
  const shadow = shadowNames();
  const evaluationFiles = config.evaluation_paths.map(strip);
  const hiddenFiles = [...config.hidden_files, ...config.secret_files].map(strip);
  const localModules = evaluationImports(spec, evaluationFiles, shadow);
  // The Python task kind imports the agent's starter modules (strategy.py, heuristic.py) however it loads them.
  const starterModules =
    config.task_entrypoint === "PythonSubmissionTasks"
      ? spec.starterCode
          .map((s) => s.name)
          .filter((name) => name.endsWith(".py") && !config.baseline_paths.includes(name))
      : [];
  const evaluatedModules = [
    ...new Set([...localModules.map((name) => `${name.replaceAll(".", "/")}.py`), ...starterModules]),
  ].filter((path) => !evaluationFiles.includes(path));
  const metricNames = new Set([
    ...config.baseline_scores.flatMap((s) => Object.keys(s)),
    ...Object.keys(config.metric_directions),
    ...(config.priority_metric ? [config.priority_metric] : []),
    ...extraMetrics,
  ]);
  return makeContext({
    taskId: config.id,
    taskFile: spec.file,
    evaluationFiles,
    hiddenFiles,
    starterFiles: spec.starterCode.map((s) => s.name),
    metricNames: [...metricNames],
    evaluatedModules,
    localModules: localModules.map((name) => name.split(".")[0] as string),
    shadowNames: shadow,
    hiddenLines: hiddenLinesOf(spec, hiddenFiles, notes),
    notes,
  });
}

/** Finds tasks by id in the task registry (built-in tasks and `tasksDirs`), loading each once. */
export class TaskContexts {
  private readonly contexts = new Map<string, AuditContext>();
  private entries: ReturnType<typeof discoverTasks> | undefined;

  constructor(private readonly tasksDirs: readonly string[] = []) {}

  private base(taskId: string): AuditContext {
    const cached = this.contexts.get(taskId);
    if (cached) return cached;
    this.entries ??= discoverTasks([...this.tasksDirs]);
    const entry = this.entries.get(taskId);
    let context: AuditContext;
    try {
      if (!entry) throw new Error("not found in the task registry");
      context = contextFromSpec(loadTaskSpec(entry.file));
    } catch (error) {
      context = makeContext({
        taskId,
        evaluatedModules: ["strategy.py", "heuristic.py"],
        notes: [
          `task '${taskId}': ${(error as Error).message}; defaults used (evaluate.py protected, no hidden files known)`,
        ],
      });
    }
    this.contexts.set(taskId, context);
    return context;
  }

  /** The context of a task; an unknown or invalid task gives defaults and a note saying so. */
  context(taskId: string, extraMetrics: readonly string[] = []): AuditContext {
    const base = this.base(taskId);
    const metricNames = [...new Set([...base.metricNames, ...extraMetrics])];
    return { ...base, metricNames };
  }
}
