import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import type { TaskSpec } from "../config/load-task.js";
import { MLGymError } from "../errors.js";

/** Runs a task's `prepare_script` (idempotent data preparation) on the host with the runtime's Python. */
export function runPrepareScript(spec: TaskSpec, pythonBinDir: string): void {
  const script = spec.config.prepare_script;
  if (!script) return;
  const dir = dirname(spec.file);
  const run = spawnSync(join(pythonBinDir, "python"), [join(dir, script)], { cwd: dir, encoding: "utf8" });
  if (run.status !== 0) {
    throw new MLGymError(
      `preparing the data of task '${spec.config.id}' failed (${join(dir, script)}): ${(run.stderr || run.stdout || run.error?.message || "").trim()}`,
    );
  }
}
