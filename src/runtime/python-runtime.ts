import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MLGymError } from "../errors.js";
import { cacheHome, projectRoot } from "./paths.js";

/** The managed Python environment that task code, evaluations and the editor's lint check run with. */
export interface PythonRuntime {
  /** Folder of the virtual environment. */
  dir: string;
  /** Its bin folder (put first on PATH inside sandboxes). */
  binDir: string;
  /** The installation the venv was made from (mounted read-only into sandboxes so the venv's python works). */
  basePrefix: string;
  /** Python version, e.g. "3.11.7". */
  version: string;
  /** The runtime this one adds a task's own packages to (a task runtime's: task-runtime.ts); absent when shared. */
  base?: PythonRuntime;
}

/** The host folders a sandbox mounts read-only, at the same paths, for the runtime's python to work. */
export function runtimeFolders(runtime: PythonRuntime): string[] {
  return [runtime.dir, ...(runtime.base ? [runtime.base.dir] : []), runtime.basePrefix];
}

/** The runtime's bin folders, put first on PATH inside sandboxes (a task runtime's before its base's). */
export function runtimeBinDirs(runtime: PythonRuntime): string[] {
  return [runtime.binDir, ...(runtime.base ? [runtime.base.binDir] : [])];
}

export function requirementsFile(): string {
  return join(projectRoot(), "python", "requirements.txt");
}

/** The runtime folder for the current pins: changing python/requirements.txt yields a fresh environment. */
export function runtimeDir(): string {
  const pins = readFileSync(requirementsFile(), "utf8");
  const hash = createHash("sha256").update(pins).digest("hex").slice(0, 12);
  return join(cacheHome(), `python-${hash}`);
}

/** The Python used to create the runtime: $MLGYM_PYTHON, else python3 on PATH. */
export function basePython(): string {
  return process.env.MLGYM_PYTHON || "python3";
}

function describe(dir: string): PythonRuntime {
  const info = JSON.parse(readFileSync(join(dir, "mlgym-runtime.json"), "utf8")) as {
    basePrefix: string;
    version: string;
  };
  return { dir, binDir: join(dir, "bin"), basePrefix: info.basePrefix, version: info.version };
}

/** The runtime if it is installed and complete, without installing anything. */
export function findPythonRuntime(): PythonRuntime | undefined {
  const dir = runtimeDir();
  return existsSync(join(dir, "mlgym-runtime.json")) ? describe(dir) : undefined;
}

/** Runs a command, passing each output line to `log`; fails with its last output when it exits non-zero. */
export function runLogged(
  cmd: string,
  args: string[],
  log: (line: string) => void,
  cwd?: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
    let tail = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-4000);
      for (const line of text.split("\n")) if (line.trim()) log(line);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (e) => reject(new MLGymError(`cannot run ${cmd}: ${e.message}`, { cause: e })));
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new MLGymError(`${cmd} ${args.slice(0, 3).join(" ")} failed (exit ${code}):\n${tail}`)),
    );
  });
}

/** `pip install` arguments for a requirements file: the index settings come from pip's own configuration. */
export function pipInstallArgs(requirements: string): string[] {
  return [
    "-m",
    "pip",
    "install",
    "--disable-pip-version-check",
    "--timeout",
    "30",
    "--retries",
    "2",
    "-r",
    requirements,
  ];
}

const LOCK_STALE_MS = 30 * 60 * 1000;

/** Runs `fn` holding a lock folder that other processes wait on (a lock older than 30 minutes is taken as stale). */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > LOCK_STALE_MS)
          rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Returns the managed runtime, creating it first if needed (a venv from the pinned requirements). Safe to call
 * from several processes at once: one installs, the others wait.
 */
export async function ensurePythonRuntime(log: (line: string) => void = () => {}): Promise<PythonRuntime> {
  const existing = findPythonRuntime();
  if (existing) return existing;
  const dir = runtimeDir();
  mkdirSync(cacheHome(), { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    const again = findPythonRuntime();
    if (again) return again;
    rmSync(dir, { recursive: true, force: true });
    const python = basePython();
    const probe = spawnSync(
      python,
      ["-c", "import sys, venv; print(sys.base_prefix); print(sys.version.split()[0])"],
      {
        encoding: "utf8",
      },
    );
    if (probe.status !== 0) {
      throw new MLGymError(
        `${python} cannot create virtual environments (${(probe.stderr || probe.error?.message || "").trim()}); install Python 3.10+ with the venv module or set MLGYM_PYTHON`,
      );
    }
    const [basePrefix = "", version = ""] = probe.stdout.trim().split("\n");
    log(`creating the Python runtime in ${dir} (Python ${version})`);
    await runLogged(python, ["-m", "venv", dir], log);
    await runLogged(join(dir, "bin", "python"), pipInstallArgs(requirementsFile()), log);
    writeFileSync(join(dir, "mlgym-runtime.json"), `${JSON.stringify({ basePrefix, version }, null, 2)}\n`);
    return describe(dir);
  });
}
