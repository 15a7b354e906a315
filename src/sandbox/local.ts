import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { SandboxError } from "../errors.js";
import { type Cgroup, createCgroup } from "./cgroup.js";
import { diskUsageSync } from "./disk-quota.js";
import { LimitGuard } from "./limit-guard.js";
import { MountTable } from "./mount-table.js";
import { descendants, killSnapshot } from "./process-tree.js";
import type {
  ExecOptions,
  ExecResult,
  Mount,
  Sandbox,
  SandboxSpec,
  ScratchProcess,
  ScratchRunOptions,
  ShellProcess,
} from "./sandbox.js";
import { freezeAgent, startScratchRun } from "./scratch-run.js";
import { limitedArgv, runProcess, spawnShellProcess } from "./spawn.js";
import { isGone } from "./stop-then-kill.js";

/** Makes a tree read-only for everyone (advisory: the local backend cannot stop a chmod back). */
function makeReadOnly(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) for (const name of readdirSync(path)) makeReadOnly(join(path, name));
  chmodSync(path, st.mode & ~0o222);
}

/** Trusted files are copied (Python resolves a symlinked script to its real folder and would import from there). */
function linkOrCopy(host: string, target: string): void {
  if (statSync(host).isDirectory()) symlinkSync(host, target);
  else copyFileSync(host, target);
}

let counter = 0;

/**
 * Runs everything directly on the host in a workspace folder, for development. Read-only files are
 * chmod-ed, hidden files stay outside the workspace, limits apply where the host allows; nothing is enforced
 * by the kernel, so agent code can reach the whole machine.
 */
export class LocalSandbox implements Sandbox {
  readonly backend = "local";
  readonly isolated = false;
  readonly home: string;
  readonly workspace: string;
  private readonly files: MountTable;
  private readonly cgroup: Cgroup | null;
  private readonly shells: ShellProcess[] = [];
  private readonly guard: LimitGuard;

  constructor(private readonly spec: SandboxSpec) {
    this.home = spec.homeDir;
    this.workspace = spec.workspaceDir;
    const table: Mount[] = [{ hostPath: spec.homeDir, path: spec.homeDir, readOnly: false }];
    for (const m of spec.mounts) {
      if (isAbsolute(m.path)) continue; // system mounts are visible at the same path already
      const target = join(this.home, m.path);
      mkdirSync(dirname(target), { recursive: true });
      if (existsSync(target)) rmSync(target, { recursive: true, force: true });
      cpSync(m.hostPath, target, { recursive: true });
      if (m.readOnly) {
        makeReadOnly(target);
        table.push({ hostPath: target, path: target, readOnly: true });
      }
    }
    this.files = new MountTable(table, this.workspace);
    this.cgroup = createCgroup(`mlgym-local-${process.pid}-${++counter}`, spec.limits);
    // No quota filesystem here: the home is watched, and may grow by `diskMb` over the copies made above.
    const watched = [spec.homeDir];
    if (relative(spec.homeDir, spec.workspaceDir).startsWith("..")) watched.push(spec.workspaceDir);
    const diskMb = spec.limits.diskMb;
    const maxProcesses = spec.limits.maxProcesses;
    const live = () => this.shells.filter((s) => !isGone(s.pid));
    this.guard = new LimitGuard({
      cgroup: this.cgroup,
      ...(diskMb
        ? { watch: { dirs: watched, limitMb: diskMb + Math.ceil(diskUsageSync(watched) / 1024 / 1024) } }
        : {}),
      ...(maxProcesses && !this.cgroup?.enforces.pids
        ? {
            processes: {
              max: maxProcesses,
              count: () => live().reduce((n, s) => n + 1 + descendants(s.pid).length, 0),
            },
          }
        : {}),
      sweep: async () => {
        // As they are now, so a command the shell starts meanwhile is not caught; each shell is its process's root.
        const shells = live().map((s) => s.pid);
        const keep = new Set(shells);
        if (this.cgroup?.freezes) await this.cgroup.killAll((pid) => keep.has(pid));
        else await killSnapshot(shells, keep);
      },
    });
  }

  insidePath(hostPath: string): string | undefined {
    return hostPath;
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      ...this.spec.env,
      ...extra,
      HOME: this.home,
      PATH: [...this.spec.path, process.env.PATH ?? "/usr/bin:/bin"].join(":"),
    };
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    let cwd = options.cwd ?? this.workspace;
    let scratch: string | undefined;
    if (options.evaluation && this.spec.evaluationMounts.length > 0) {
      // Evaluation sees the workspace plus hidden files: a scratch view of symlinks, so the workspace never holds them.
      scratch = mkdtempSync(join(dirname(this.home), "eval-"));
      const overrides = new Map(this.spec.evaluationMounts.map((m) => [m.path, m.hostPath]));
      for (const name of readdirSync(this.workspace)) {
        const rel = relative(this.home, join(this.workspace, name));
        const override = overrides.get(rel);
        if (override) linkOrCopy(override, join(scratch, name));
        else symlinkSync(join(this.workspace, name), join(scratch, name));
      }
      for (const [rel, host] of overrides) {
        const inWorkspace = relative(relative(this.home, this.workspace), rel);
        const target = join(scratch, inWorkspace);
        if (!existsSync(target)) linkOrCopy(host, target);
      }
      if (cwd === this.workspace) cwd = scratch;
    }
    try {
      const argv = limitedArgv(
        ["bash", "--noprofile", "--norc", "-c", command],
        this.spec.limits,
        this.cgroup,
      );
      const opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number } = {
        env: this.env(options.env),
        cwd,
      };
      if (options.timeoutMs !== undefined) opts.timeoutMs = options.timeoutMs;
      const notes = this.guard.noteCount;
      const result = await runProcess(argv, opts);
      await this.guard.checkDisk();
      const stopped = this.guard.notesSince(notes);
      return stopped.length > 0 ? { ...result, stderr: `${result.stderr}${stopped.join("\n")}\n` } : result;
    } catch (cause) {
      throw new SandboxError(`local exec failed: ${(cause as Error).message}`, { cause });
    } finally {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    }
  }

  startScratch(command: string, options: ScratchRunOptions): ScratchProcess {
    let cwd = this.workspace;
    if (options.view === "evaluation") {
      // No mounts here: the folders are linked into the run's own folder (the local backend hides nothing).
      for (const m of options.mounts) {
        const target = join(options.dir, m.path);
        mkdirSync(dirname(target), { recursive: true });
        symlinkSync(m.hostPath, target);
      }
      cwd = options.dir;
    } else if (options.mounts.length > 0) {
      throw new SandboxError("the local sandbox cannot show extra mounts in the agent's view");
    }
    const argv = ["bash", "--noprofile", "--norc", "-c", command];
    return startScratchRun(argv, this.spec.limits, this.env(options.env), { ...options, cwd });
  }

  freeze(): Promise<() => Promise<void>> {
    return freezeAgent(() => this.cgroup?.pids() ?? [], this.shells);
  }

  spawnShell(): ShellProcess {
    const argv = limitedArgv(["bash", "--noprofile", "--norc"], this.spec.limits, this.cgroup);
    const shell = spawnShellProcess(argv, { env: this.env(), cwd: this.workspace, cgroup: this.cgroup });
    this.shells.push(shell);
    return shell;
  }

  readFile(path: string): Promise<Buffer> {
    return this.files.read(path);
  }

  writeFile(path: string, data: string | Uint8Array): Promise<void> {
    return this.files.write(path, data);
  }

  async close(): Promise<void> {
    this.guard.stop();
    for (const shell of this.shells) {
      await shell.killAllButShell();
      shell.kill();
    }
    await this.cgroup?.killAll();
    this.cgroup?.remove();
  }
}
