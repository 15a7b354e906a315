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

const fileSchema = z.union([
  z.array(entrySchema),
  z.object({ tasks: z.array(entrySchema) }).loose(),
  z.record(z.string(), entrySchema),
]);

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
  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(issue?.message ?? "invalid task metadata", { file, field: issue?.path.join(".") });
  }
  const value = parsed.data;
  if (Array.isArray(value)) return value.map((e, i) => toTaskMeta(e, undefined, file, `[${i}]`));
  if (Array.isArray(value.tasks)) {
    return (value.tasks as Entry[]).map((e, i) => toTaskMeta(e, undefined, file, `tasks[${i}]`));
  }
  return Object.entries(value as Record<string, Entry>).map(([id, e]) => toTaskMeta(e, id, file, id));
}
