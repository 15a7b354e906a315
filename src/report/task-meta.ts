import { readFileSync } from "node:fs";
import type { TaskSpec } from "../config/load-task.js";
import { type Direction, metricValue } from "../metrics/types.js";

/** What the report needs to know about a task: how to name it and which metric decides, in which direction. */
export interface TaskMeta {
  id: string;
  /** Row label in tables and figures (the original's tables use short names such as "House Price"). */
  displayName: string;
  /** The metric whose value ranks attempts, runs and models. */
  priorityMetric: string;
  direction: Direction;
  /** The baseline's value of the priority metric when no run records one (the task YAML's `baseline_scores`). */
  baseline?: number;
  /** Where the metadata came from: the paper's catalogue, a task YAML (file path) or a `--tasks-meta` file. */
  source?: string;
}

/** Where a report looks task ids up besides the paper's catalogue: the task registry's folders and data roots. */
export interface TaskLookup {
  /** `--tasks-dir` folders, searched before the built-in tasks (as in `mlgym run`). */
  tasksDirs?: readonly string[];
  /** `--data-root` folders task YAMLs may name paths in. */
  dataRoots?: readonly string[];
}

function fromSpec(id: string, file: string, spec: Pick<TaskSpec, "config" | "priorityMetric">): TaskMeta {
  const metric = spec.priorityMetric ?? "";
  const meta: TaskMeta = {
    id,
    displayName: spec.config.name || id,
    priorityMetric: metric,
    direction: spec.config.metric_directions[metric] ?? "maximize",
    source: file,
  };
  const baseline = metricValue(spec.config.baseline_scores[0], metric);
  if (baseline !== undefined) meta.baseline = baseline;
  return meta;
}

/**
 * Looks task ids up in the task registry (built-in tasks and `tasksDirs`). A YAML whose paths do not resolve
 * (its data root not given) is still read for its metric fields; a task without a priority metric, or a YAML
 * that cannot be read at all, stays unknown and is noted through `note`. The registry is loaded on first use:
 * a report of the paper's tasks never needs it.
 */
export async function registryTaskMeta(
  ids: readonly string[],
  lookup: TaskLookup,
  note: (message: string) => void,
): Promise<Map<string, TaskMeta>> {
  const found = new Map<string, TaskMeta>();
  if (ids.length === 0) return found;
  const [{ discoverTasks }, { loadTaskSpec }, { taskConfigSchema }, { parse: parseYaml }] = await Promise.all(
    [
      import("../tasks/registry.js"),
      import("../config/load-task.js"),
      import("../config/task-config.js"),
      import("yaml"),
    ],
  );
  let entries: Map<string, { file: string }>;
  try {
    entries = discoverTasks([...(lookup.tasksDirs ?? [])]);
  } catch (error) {
    note(`task registry: ${(error as Error).message}`);
    return found;
  }
  for (const id of ids) {
    const entry = entries.get(id);
    if (!entry) continue;
    let meta: TaskMeta | undefined;
    try {
      meta = fromSpec(id, entry.file, loadTaskSpec(entry.file, { roots: [...(lookup.dataRoots ?? [])] }));
    } catch (error) {
      try {
        const config = taskConfigSchema.parse(parseYaml(readFileSync(entry.file, "utf8")));
        const priorityMetric = config.priority_metric ?? Object.keys(config.baseline_scores[0] ?? {})[0];
        meta = fromSpec(id, entry.file, { config, ...(priorityMetric ? { priorityMetric } : {}) });
        note(`${entry.file}: ${(error as Error).message} (metric fields read anyway)`);
      } catch (inner) {
        note(`${entry.file}: ${(inner as Error).message}`);
      }
    }
    if (meta && meta.priorityMetric === "") {
      note(`${entry.file}: no priority_metric and no baseline_scores: runs of '${id}' cannot be scored`);
      meta = undefined;
    }
    if (meta) found.set(id, meta);
  }
  return found;
}
