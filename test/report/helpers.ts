import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root and the shared reference data beside it (CI has it; the product never needs it). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const sharedDir = resolve(repoRoot, "../shared");

/** A fresh temporary folder. */
export function tempDir(prefix = "mlgym-report-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Writes `files` (relative path -> text or JSON value) under `root`. */
export async function writeTree(root: string, files: Record<string, unknown>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
}

/** A run folder name in the original's layout. */
export function runName(model: string, task: string, run: number): string {
  return `${model}__${task}__default__t-0.00__p-0.95__c-4.00__install-0__parallel_agents_run_${run}`;
}
