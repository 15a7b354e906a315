import { readdir } from "node:fs/promises";
import { join } from "node:path";

/** What a run folder's name says: `<model>__<taskId>__<agentConfig>__...[_run_<i>]`. */
export interface RunName {
  /** First component, without the original's `metagen-` prefix (its tables use the bare names). */
  model: string;
  taskId: string;
  /** From a trailing `_run_<n>`; undefined when the name has none. */
  runIndex: number | undefined;
}

/** Parses a run folder name; undefined when it does not have at least `<model>__<task>`. */
export function parseRunFolderName(name: string): RunName | undefined {
  const parts = name.split("__");
  const [first = "", second = ""] = parts;
  const model = first.replace(/^metagen-/, "");
  const taskId = second.replace(/_run_\d+$/, "");
  if (parts.length < 2 || model === "" || taskId === "") return undefined;
  const run = /_run_(\d+)$/.exec(name);
  return { model, taskId, runIndex: run ? Number(run[1]) : undefined };
}

const MAX_DEPTH = 8;

/**
 * Finds run folders under `root`: folders named like a run (taken without listing them: they hold no further
 * runs) or holding `results.json` or a `.traj` file. The result is sorted by path, so reports do not depend on
 * readdir order.
 */
export async function findRunFolders(root: string): Promise<string[]> {
  const found: string[] = [];
  async function visit(dir: string, depth: number): Promise<void> {
    // The root must be readable (the caller says so); a sub-folder that cannot be listed holds no runs we can read.
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
      if (depth === 0) throw error;
      return [];
    });
    if (entries.some((e) => e.isFile() && (e.name === "results.json" || e.name.endsWith(".traj")))) {
      found.push(dir);
      return;
    }
    const subdirs: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      if (parseRunFolderName(entry.name)) found.push(join(dir, entry.name));
      else if (depth < MAX_DEPTH) subdirs.push(join(dir, entry.name));
    }
    for (const sub of subdirs) await visit(sub, depth + 1);
  }
  await visit(root, 0);
  return found.sort();
}
