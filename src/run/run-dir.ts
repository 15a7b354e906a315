import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** Parts of a run folder name, as the original and the report read them. */
export interface RunName {
  modelId: string;
  taskId: string;
  agentStem: string;
  temperature: number;
  topP: number;
  costLimit: number;
}

/** `<model>__<task>__<agent>__t-0.00__p-0.95__c-4.00__install-0_run_<i>`: the original's naming (model `:` -> `-`). */
export function runFolderName(name: RunName, runIndex: number): string {
  const base = [
    name.modelId.replace(/[:/]/g, "-"),
    name.taskId,
    name.agentStem,
    `t-${name.temperature.toFixed(2)}`,
    `p-${name.topP.toFixed(2)}`,
    `c-${name.costLimit.toFixed(2)}`,
    "install-0",
  ].join("__");
  return `${base}_run_${runIndex}`;
}

/**
 * Creates and returns the run folder with the first free run index. The folder is claimed by creating it (an
 * exclusive `mkdir`), so two processes starting at once never get the same one.
 */
export function runDirectory(outputRoot: string, name: RunName): string {
  mkdirSync(outputRoot, { recursive: true });
  for (let i = 0; ; i++) {
    const dir = join(outputRoot, runFolderName(name, i));
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
}
