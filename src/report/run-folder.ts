import { opendir } from "node:fs/promises";
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
  return (await findRunPaths(root)).map((path) => (path === "" ? root : join(root, path)));
}

/**
 * {@link findRunFolders} as paths relative to `root` (`""` when `root` is itself a run folder): for a tree of many
 * runs, one short string per run rather than an absolute path.
 */
export async function findRunPaths(root: string): Promise<string[]> {
  const found: string[] = [];
  async function visit(relDir: string, depth: number): Promise<void> {
    // Entries are streamed (a folder of 67,600 runs is never held as entry objects) and only names are kept.
    let isRun = false;
    const runs: string[] = [];
    const subdirs: string[] = [];
    try {
      for await (const entry of await opendir(join(root, relDir), { bufferSize: 256 })) {
        if (entry.isFile()) {
          if (entry.name === "results.json" || entry.name.endsWith(".traj")) isRun = true;
        } else if (entry.isDirectory() && !entry.name.startsWith(".")) {
          (parseRunFolderName(entry.name) ? runs : subdirs).push(entry.name);
        }
      }
    } catch (error) {
      // The root must be readable (the caller says so); a sub-folder that cannot be listed holds no runs we can read.
      if (depth === 0) throw error;
      return;
    }
    if (isRun) {
      found.push(relDir);
      return;
    }
    const inside = (name: string) => (relDir === "" ? name : join(relDir, name));
    for (const name of runs) found.push(inside(name));
    if (depth < MAX_DEPTH) for (const name of subdirs) await visit(inside(name), depth + 1);
  }
  await visit("", 0);
  return found.sort();
}
