import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { TaskSpec } from "../config/load-task.js";
import { ConfigError, MLGymError } from "../errors.js";
import { cacheHome } from "./paths.js";
import {
  ensurePythonRuntime,
  type PythonRuntime,
  pipInstallArgs,
  requirementsFile,
  runLogged,
  runtimeDir,
  withLock,
} from "./python-runtime.js";

/** Set to `off` to run every task with the shared runtime, whatever its `requirements_path` asks for. */
export const TASK_RUNTIMES_ENV = "MLGYM_TASK_RUNTIMES";

const PREFIX = "python-task-";
const MARKER = "mlgym-runtime.json";

/** What a task runtime's marker file records (written last: a folder without it is unfinished). */
interface TaskRuntimeInfo {
  basePrefix: string;
  version: string;
  /** The shared runtime it adds to. */
  base: string;
  task: string;
  requirements: string;
}

/**
 * The pip requirements file of the task's own runtime, or undefined when the task runs with the shared runtime. As in
 * the original, `requirements_path` is installed when `use_generic_conda` is false (and ignored when it is true).
 */
export function taskRequirementsFile(spec: TaskSpec): string | undefined {
  const config = spec.config;
  if (config.use_generic_conda || process.env[TASK_RUNTIMES_ENV] === "off") return undefined;
  const fail = (message: string) => new ConfigError(message, { file: spec.file, field: "requirements_path" });
  if (!config.requirements_path)
    throw fail(
      "missing: use_generic_conda is false, so the task needs a pip requirements file for its own runtime (or set use_generic_conda: true for the shared runtime)",
    );
  const file = spec.requirementsFile ?? join(dirname(spec.file), config.requirements_path);
  if (!existsSync(file) || !statSync(file).isFile())
    throw fail(`pip requirements file '${config.requirements_path}' not found (looked at ${file})`);
  return file;
}

/** The folder of the task runtime for these task requirements over the current shared pins. */
export function taskRuntimeDir(taskRequirements: string | Uint8Array): string {
  const hash = createHash("sha256")
    .update(readFileSync(requirementsFile()))
    .update("\0")
    .update(taskRequirements)
    .digest("hex")
    .slice(0, 12);
  return join(cacheHome(), `${PREFIX}${hash}`);
}

function readInfo(dir: string): TaskRuntimeInfo | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, MARKER), "utf8")) as TaskRuntimeInfo;
  } catch {
    return undefined;
  }
}

function describe(dir: string, info: TaskRuntimeInfo, base: PythonRuntime): PythonRuntime {
  return { dir, binDir: join(dir, "bin"), basePrefix: info.basePrefix, version: info.version, base };
}

/** A finished task runtime of the current shared runtime's pins, as `mlgym doctor` lists them. */
export interface TaskRuntimeEntry {
  dir: string;
  task: string;
  requirements: string;
  /** Whether it was built on the current shared runtime (an outdated one is unused and may be deleted). */
  current: boolean;
}

/** The task runtimes in the cache folder. */
export function listTaskRuntimes(): TaskRuntimeEntry[] {
  let names: string[];
  try {
    names = readdirSync(cacheHome()).filter((n) => n.startsWith(PREFIX) && !n.endsWith(".lock"));
  } catch {
    return [];
  }
  const shared = runtimeDir();
  return names.flatMap((name) => {
    const dir = join(cacheHome(), name);
    const info = readInfo(dir);
    return info
      ? [{ dir, task: info.task, requirements: info.requirements, current: info.base === shared }]
      : [];
  });
}

function sitePackages(python: string): string {
  const probe = spawnSync(python, ["-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], {
    encoding: "utf8",
  });
  if (probe.status !== 0)
    throw new MLGymError(`${python} cannot report its site-packages: ${(probe.stderr ?? "").trim()}`);
  return probe.stdout.trim();
}

/**
 * The runtime the task's episodes run with: the shared one, or the task's own when it names pip requirements. A task
 * runtime is a venv of the shared runtime's Python that sees the shared runtime's packages after its own (a `.pth`
 * file), with the task's requirements installed into it: a task's pin shadows the shared version, everything else
 * comes from the shared runtime, which is never modified. Made once per (shared pins, task requirements) and reused;
 * one process builds while the others wait, and a folder without its marker file is never used.
 */
export async function ensureTaskRuntime(
  spec: TaskSpec,
  log: (line: string) => void = () => {},
): Promise<PythonRuntime> {
  const requirements = taskRequirementsFile(spec);
  const base = await ensurePythonRuntime(log);
  if (!requirements) return base;
  const dir = taskRuntimeDir(readFileSync(requirements));
  const found = readInfo(dir);
  if (found) return describe(dir, found, base);
  return withLock(`${dir}.lock`, async () => {
    const again = readInfo(dir);
    if (again) return describe(dir, again, base);
    rmSync(dir, { recursive: true, force: true });
    log(
      `creating the task runtime of '${spec.config.id}' in ${dir}: the shared runtime plus ${requirements}`,
    );
    const lines: string[] = [];
    const keep = (line: string) => {
      lines.push(line);
      if (lines.length > 15) lines.shift();
      log(line);
    };
    try {
      // Without its own pip: the shared runtime's pip installs into this venv (sys.prefix) and never touches the base.
      await runLogged(join(base.binDir, "python"), ["-m", "venv", "--without-pip", dir], keep);
      const python = join(dir, "bin", "python");
      const baseSite = sitePackages(join(base.binDir, "python"));
      // addsitedir (not a bare path line) so the shared runtime's own .pth files are processed as well.
      writeFileSync(
        join(sitePackages(python), "zz-mlgym-shared-runtime.pth"),
        `import site; site.addsitedir(${JSON.stringify(baseSite)})\n`,
      );
      try {
        await runLogged(python, pipInstallArgs(requirements), keep, dirname(requirements));
      } catch (error) {
        throw new ConfigError(
          `installing ${requirements} into the task runtime failed (set ${TASK_RUNTIMES_ENV}=off to use the shared runtime instead); pip's last lines:\n${lines.join("\n")}`,
          { file: spec.file, field: "requirements_path", cause: error },
        );
      }
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const info: TaskRuntimeInfo = {
      basePrefix: base.basePrefix,
      version: base.version,
      base: base.dir,
      task: spec.config.id,
      requirements,
    };
    writeFileSync(join(dir, `${MARKER}.tmp`), `${JSON.stringify(info, null, 2)}\n`);
    renameSync(join(dir, `${MARKER}.tmp`), join(dir, MARKER));
    return describe(dir, info, base);
  });
}
