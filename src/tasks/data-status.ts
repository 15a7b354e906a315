import { MissingDataError, taskDataDirs } from "../config/data-cache.js";
import { taskScales } from "../config/load-task.js";
import type { Scale } from "../config/task-config.js";
import { ConfigError } from "../errors.js";
import { sizeOf } from "./data-fetch.js";
import { loadTaskEntry, type TaskEntry } from "./registry.js";

/** Whether one scale of one task has its data. */
export interface DataStatusRow {
  taskId: string;
  scale: Scale;
  /** `present`; `missing` (to fetch or prepare); `none` (the scale needs no data folder); `invalid` (a config error). */
  status: "present" | "missing" | "none" | "invalid";
  /** The data folders (or where they would be); empty when the scale has none. */
  paths: string[];
  bytes: number;
  /** How to get missing data, or the config error. */
  note?: string;
}

/** The data status of every scale of a task, as `mlgym data status` lists it. */
export function taskDataStatus(entry: TaskEntry, roots: string[] = []): DataStatusRow[] {
  let scales: Scale[];
  try {
    scales = taskScales(loadTaskEntry(entry, { roots }).config);
  } catch (error) {
    // A small scale without its prepared data is missing data, not a broken task (prepare.py makes it).
    return [rowFor(entry, "small", roots, error)];
  }
  return scales.map((scale) => rowFor(entry, scale, roots));
}

function rowFor(entry: TaskEntry, scale: Scale, roots: string[], loadError?: unknown): DataStatusRow {
  const base = { taskId: entry.id, scale };
  try {
    if (loadError) throw loadError;
    const spec = loadTaskEntry(entry, { roots, scale });
    const paths = spec.datasets.flatMap((d) => (d.localPath ? [d.localPath] : []));
    if (paths.length === 0) return { ...base, status: "none", paths, bytes: 0 };
    return { ...base, status: "present", paths, bytes: paths.reduce((sum, p) => sum + sizeOf(p), 0) };
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof MissingDataError) {
      const dirs = taskDataDirs(entry.id);
      return {
        ...base,
        status: "missing",
        paths: [dirs.data],
        bytes: 0,
        note: `mlgym data fetch ${entry.id}`,
      };
    }
    if (scale === "small" && error instanceof ConfigError && error.field === "data_path")
      return {
        ...base,
        status: "missing",
        paths: [],
        bytes: 0,
        note: "mlgym setup (its prepare_script makes it)",
      };
    return { ...base, status: "invalid", paths: [], bytes: 0, note: message };
  }
}

/** Bytes for people: 1.5 GB, 170 MB, 12 kB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
