import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadTaskSpec, type TaskSpec } from "../../src/config/load-task.js";
import { evaluatorArgs } from "../../src/env/evaluation.js";
import { evaluationSupportDir } from "../../src/runtime/paths.js";
import { ensurePythonRuntime } from "../../src/runtime/python-runtime.js";
import { runPrepareScript } from "../../src/tasks/prepare.js";
import { taskYaml } from "./catalogue.js";

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A task's workspace laid out on the host as the evaluation sees it (starter code + full data), for running its scripts directly. */
export interface HostWorkspace {
  spec: TaskSpec;
  dir: string;
  /** Runs the runtime's python with cwd = the workspace. */
  python(args: string[], timeoutMs?: number): PythonRun;
  /** Runs the task's evaluate.py with `args` the way mlgym runs an evaluation (see evaluatorArgs). */
  evaluate(args?: string[], options?: { timeoutMs?: number; flags?: string[] }): PythonRun;
  /** Copies the task's check/malformed files over the workspace. */
  copyMalformed(): void;
  dispose(): void;
}

export async function hostWorkspace(id: string): Promise<HostWorkspace> {
  const spec = loadTaskSpec(taskYaml(id));
  const runtime = await ensurePythonRuntime();
  runPrepareScript(spec, runtime.binDir);
  const dir = mkdtempSync(join(tmpdir(), `mlgym-${id}-`));
  for (const s of spec.starterCode) cpSync(s.hostPath, join(dir, s.name), { recursive: true });
  for (const d of spec.datasets) if (d.localPath) cpSync(d.localPath, join(dir, "data"), { recursive: true });
  const python = (args: string[], timeoutMs = 300_000): PythonRun => {
    const r = spawnSync(join(runtime.binDir, "python"), args, {
      cwd: dir,
      encoding: "utf8",
      timeout: timeoutMs,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONPATH: evaluationSupportDir() },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    spec,
    dir,
    python,
    evaluate(args = [], { timeoutMs, flags } = {}) {
      return python(evaluatorArgs("evaluate.py", args, evaluationSupportDir(), flags), timeoutMs);
    },
    copyMalformed() {
      const src = join(dirname(spec.file), "check", "malformed");
      for (const name of readdirSync(src)) {
        if (statSync(join(src, name)).isFile()) cpSync(join(src, name), join(dir, name));
      }
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The metrics an evaluation printed: its whole standard output must be one JSON object. */
export function parseMetrics(stdout: string): Record<string, number> {
  const parsed = JSON.parse(stdout) as unknown;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`not an object: ${stdout}`);
  return parsed as Record<string, number>;
}
