import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SandboxError } from "../errors.js";
import { AgentView, SANDBOX_HOME } from "./agent-view.js";
import { type Cgroup, createCgroup } from "./cgroup.js";
import { diskQuotaSupport, mountQuota, type QuotaFilesystem } from "./disk-quota.js";
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
import { tmpfsArgs } from "./tmpfs-size.js";

const HOME = SANDBOX_HOME;
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** The parts of /etc programs need; the rest of the host's /etc (shadow, keys, ...) stays out. */
const ETC_ENTRIES = [
  "alternatives",
  "ca-certificates",
  "ca-certificates.conf",
  "ssl",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "localtime",
  "magic",
  "magic.mime",
  "mime.types",
  "nsswitch.conf",
  "fonts",
  "os-release",
  "debian_version",
  "protocols",
  "services",
  "hosts",
  "inputrc",
  "matplotlibrc",
];

/** Whether `bwrap` exists and can create the namespaces we need; the reason when not. */
export function probeBwrap(): { ok: boolean; reason: string } {
  const which = spawnSync("sh", ["-c", "command -v bwrap"], { encoding: "utf8" });
  if (which.status !== 0) {
    return {
      ok: false,
      reason: "bwrap not found (install the 'bubblewrap' package: apt-get install bubblewrap)",
    };
  }
  const run = spawnSync(
    "bwrap",
    ["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--uid", "1000", "--gid", "1000", "true"],
    { encoding: "utf8", timeout: 10_000 },
  );
  if (run.status !== 0) {
    return {
      ok: false,
      reason: `bwrap cannot create namespaces here: ${(run.stderr || "").trim() || `exit ${run.status}`}`,
    };
  }
  return { ok: true, reason: "namespaces (mount, pid, net, user) work" };
}

/**
 * Bubblewrap sandbox: own mount, PID, network, IPC and user namespaces; the system read-only; the workspace
 * writable; read-only mounts enforced by the kernel; hidden files absent unless an evaluation runs;
 * memory, process and CPU-quota caps through a cgroup where the host allows, CPU time per process through rlimits,
 * /tmp and /dev/shm as size-bounded tmpfs, the home on a size-bounded filesystem when running as root (else
 * watched by a LimitGuard).
 */
export class BwrapSandbox implements Sandbox {
  readonly backend = "bwrap";
  readonly isolated = true;
  readonly home = HOME;
  readonly workspace: string;
  private readonly view: AgentView;
  private readonly agentMounts: Mount[];
  private readonly files: MountTable;
  private readonly cgroup: Cgroup | null;
  private readonly etcDir: string;
  private readonly shells: ShellProcess[] = [];
  private readonly quota: QuotaFilesystem | null;
  private readonly guard: LimitGuard;

  constructor(private readonly spec: SandboxSpec) {
    this.view = new AgentView(spec);
    this.workspace = this.view.workspace;
    this.agentMounts = this.view.mounts;
    const outsideHome = this.view.workspaceOutsideHome;
    this.files = new MountTable(this.agentMounts, this.workspace);
    // The home goes on its own size-bounded filesystem where the host allows; what it cannot hold is watched.
    const diskMb = spec.limits.diskMb;
    this.quota = diskMb && diskQuotaSupport().kernel ? mountQuota(spec.homeDir, diskMb) : null;
    const watched = this.quota ? [] : [spec.homeDir];
    if (outsideHome) watched.push(spec.workspaceDir);
    this.etcDir = mkdtempSync(join(tmpdir(), "mlgym-etc-"));
    writeFileSync(
      join(this.etcDir, "passwd"),
      `root:x:0:0:root:/root:/bin/bash\nagent:x:1000:1000:agent:${HOME}:/bin/bash\n`,
    );
    writeFileSync(join(this.etcDir, "group"), "root:x:0:\nagent:x:1000:\n");
    this.cgroup = createCgroup(`mlgym-bwrap-${process.pid}-${Date.now().toString(36)}`, spec.limits);
    const maxProcesses = spec.limits.maxProcesses;
    this.guard = new LimitGuard({
      cgroup: this.cgroup,
      ...(diskMb && watched.length > 0 ? { watch: { dirs: watched, limitMb: diskMb } } : {}),
      ...(maxProcesses && !this.cgroup?.enforces.pids
        ? { processes: { max: maxProcesses, count: () => this.processCount() } }
        : {}),
      sweep: (reason) => this.stopAllButShells(reason),
    });
  }

  /** Processes below the live shells' bwrap (where no pids cgroup counts them). */
  private processCount(): number {
    return this.shells.filter((s) => !isGone(s.pid)).reduce((n, s) => n + descendants(s.pid).length, 0);
  }

  /**
   * Kills every process of the sandbox except the live shells (a fork bomb, a disk filler), as they are now, so a
   * command a shell starts meanwhile is not caught. Spared: each shell and the bwrap processes above it, found by
   * position (the first process below bwrap's own), not by name alone.
   */
  private async stopAllButShells(reason: "processes" | "disk"): Promise<void> {
    const live = this.shells.filter((s) => !isGone(s.pid));
    const keep = new Set<number>();
    for (const s of live) {
      const tree = descendants(s.pid);
      keep.add(s.pid);
      for (let p = tree.find((q) => q.comm !== "bwrap"); p; p = tree.find((q) => q.pid === p?.ppid))
        keep.add(p.pid);
    }
    if (this.cgroup?.freezes) {
      await this.cgroup.killAll((pid) => keep.has(pid));
    } else if (reason === "processes") {
      // Nothing caps the processes here and a fork bomb outruns signals: killing the shell's bwrap ends its PID
      // namespace, every process in it at once; the shell session starts a new shell.
      for (const s of live) s.kill();
      await this.cgroup?.killAll();
    } else {
      await killSnapshot(
        live.map((s) => s.pid),
        keep,
      );
    }
  }

  insidePath(hostPath: string): string | undefined {
    return this.files.toInside(hostPath);
  }

  /** The agent's mounts, plus the hidden files for `evaluation` runs. */
  private viewMounts(evaluation: boolean): Mount[] {
    return [...this.agentMounts, ...(evaluation ? this.view.evaluationMounts() : [])];
  }

  private bwrapArgs(mounts: Mount[], cwd: string): string[] {
    const args = ["--die-with-parent", "--new-session", "--unshare-all"];
    if (this.spec.network) args.push("--share-net");
    args.push("--uid", "1000", "--gid", "1000", "--hostname", "mlgym");
    for (const dir of SYSTEM_DIRS) {
      if (!existsSync(dir)) continue;
      const st = lstatSync(dir);
      if (st.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
      else args.push("--ro-bind", dir, dir);
    }
    for (const entry of ETC_ENTRIES) {
      const host = join("/etc", entry);
      if (existsSync(host)) args.push("--ro-bind", host, host);
    }
    if (this.spec.network && existsSync("/etc/resolv.conf"))
      args.push("--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf");
    args.push(
      "--ro-bind",
      join(this.etcDir, "passwd"),
      "/etc/passwd",
      "--ro-bind",
      join(this.etcDir, "group"),
      "/etc/group",
    );
    args.push("--proc", "/proc", "--dev", "/dev", ...tmpfsArgs("/tmp", this.spec.limits.tmpMb));
    // /dev/shm is the /dev tmpfs's folder otherwise, of no size of its own.
    if (this.spec.limits.tmpMb) args.push(...tmpfsArgs("/dev/shm", this.spec.limits.tmpMb));
    // Parents before children, so a read-only file can sit inside a writable folder.
    const ordered = mounts
      .map((m, i) => ({ m, i }))
      .sort((a, b) => a.m.path.length - b.m.path.length || a.i - b.i);
    for (const { m } of ordered) args.push(m.readOnly ? "--ro-bind" : "--bind", m.hostPath, m.path);
    args.push("--chdir", cwd);
    return args;
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...this.spec.env,
      ...extra,
      HOME,
      USER: "agent",
      LANG: process.env.LANG ?? "C.UTF-8",
      TERM: "dumb",
      PATH: [...this.spec.path, "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
    };
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const argv = [
      "bwrap",
      ...this.bwrapArgs(this.viewMounts(options.evaluation === true), options.cwd ?? this.workspace),
      "bash",
      "--noprofile",
      "--norc",
      "-c",
      command,
    ];
    try {
      const opts: { env: NodeJS.ProcessEnv; timeoutMs?: number } = { env: this.env(options.env) };
      if (options.timeoutMs !== undefined) opts.timeoutMs = options.timeoutMs;
      const notes = this.guard.noteCount;
      const result = await runProcess(limitedArgv(argv, this.spec.limits, this.cgroup), opts);
      await this.guard.checkDisk();
      const stopped = this.guard.notesSince(notes);
      return stopped.length > 0 ? { ...result, stderr: `${result.stderr}${stopped.join("\n")}\n` } : result;
    } catch (cause) {
      throw new SandboxError(`bwrap exec failed: ${(cause as Error).message}`, { cause });
    }
  }

  spawnShell(): ShellProcess {
    const argv = [
      "bwrap",
      ...this.bwrapArgs(this.viewMounts(false), this.workspace),
      "bash",
      "--noprofile",
      "--norc",
    ];
    const shell = spawnShellProcess(limitedArgv(argv, this.spec.limits, this.cgroup), {
      env: this.env(),
      isInfrastructure: (comm) => comm === "bwrap",
      cgroup: this.cgroup,
    });
    this.shells.push(shell);
    return shell;
  }

  startScratch(command: string, options: ScratchRunOptions): ScratchProcess {
    const args = this.bwrapArgs(this.view.scratchMounts(options), this.workspace);
    const argv = ["bwrap", ...args, "bash", "--noprofile", "--norc", "-c", command];
    return startScratchRun(argv, this.spec.limits, this.env(options.env), options);
  }

  freeze(): Promise<() => Promise<void>> {
    return freezeAgent(() => this.cgroup?.pids() ?? [], this.shells);
  }

  readFile(path: string): Promise<Buffer> {
    return this.files.read(path);
  }

  writeFile(path: string, data: string | Uint8Array): Promise<void> {
    return this.files.write(path, data);
  }

  async close(): Promise<void> {
    this.guard.stop();
    for (const shell of this.shells) shell.kill();
    await this.cgroup?.killAll();
    this.cgroup?.remove();
    // After the kill sweep: nothing holds a file open on the home's filesystem any more.
    this.quota?.release();
    rmSync(this.etcDir, { recursive: true, force: true });
  }
}
