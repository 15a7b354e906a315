import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import type { TaskMeta } from "./task-meta.js";

const direction = z.enum(["maximize", "minimize"]);

// Accepts both the report's camelCase and the task YAML's snake_case names, so a registry dump can be passed as is.
const entrySchema = z
  .object({
    id: z.string().min(1).optional(),
    displayName: z.string().optional(),
    display_name: z.string().optional(),
    name: z.string().optional(),
    priorityMetric: z.string().min(1).optional(),
    priority_metric: z.string().min(1).optional(),
    direction: direction.optional(),
    metric_directions: z.record(z.string(), direction).optional(),
  })
  .loose();

type Entry = z.infer<typeof entrySchema>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function toTaskMeta(entry: Entry, fallbackId: string | undefined, file: string, where: string): TaskMeta {
  const id = entry.id ?? fallbackId;
  if (!id) throw new ConfigError("task entry has no id", { file, field: where });
  const priorityMetric = entry.priorityMetric ?? entry.priority_metric;
  if (!priorityMetric) {
    throw new ConfigError("missing priority metric (priorityMetric or priority_metric)", {
      file,
      field: `${where}`,
    });
  }
  return {
    id,
    displayName: entry.displayName ?? entry.display_name ?? entry.name ?? id,
    priorityMetric,
    direction: entry.direction ?? entry.metric_directions?.[priorityMetric] ?? "maximize",
  };
}

/**
 * Reads task metadata for tasks outside the catalogue from YAML or JSON: a list of entries, `{tasks: [...]}`,
 * or a map from task id to entry. Entries use `priorityMetric`/`priority_metric` and `direction` or the task
 * YAML's `metric_directions` (default maximize, like the task registry).
 */
export async function loadTaskMetaFile(file: string): Promise<TaskMeta[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new ConfigError("cannot read the task metadata file", { file, cause });
  }
  let data: unknown;
  try {
    data = parseYaml(text); // YAML is a superset of JSON
  } catch (cause) {
    throw new ConfigError(`not valid YAML/JSON: ${(cause as Error).message}`, { file, cause });
  }
  // The shape decides how entries are named in errors: `[0]`, `tasks[0]` or the task id.
  const entries: Array<[where: string, value: unknown, id: string | undefined]> = Array.isArray(data)
    ? data.map((e, i) => [`[${i}]`, e, undefined])
    : isRecord(data) && Array.isArray(data.tasks)
      ? data.tasks.map((e: unknown, i: number) => [`tasks[${i}]`, e, undefined])
      : isRecord(data)
        ? Object.entries(data).map(([id, e]) => [id, e, id])
        : [];
  if (entries.length === 0)
    throw new ConfigError("expected a list of tasks, {tasks: [...]} or a map of task ids", { file });
  return entries.map(([where, value, id]) => {
    const parsed = entrySchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = [where, ...(issue?.path ?? []).map(String)].join(".");
      throw new ConfigError(issue?.message ?? "invalid task entry", { file, field });
    }
    return toTaskMeta(parsed.data, id, file, where);
  });
}
