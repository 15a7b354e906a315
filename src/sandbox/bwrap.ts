import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { SandboxError } from "../errors.js";
import { type Cgroup, createCgroup } from "./cgroup.js";
import { MountTable } from "./mount-table.js";
import type { ExecOptions, ExecResult, Mount, Sandbox, SandboxSpec, ShellProcess } from "./sandbox.js";
import { limitedArgv, runProcess, spawnShellProcess } from "./spawn.js";

const HOME = "/home/agent";
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
 * memory and process caps through a cgroup where the host allows, CPU time through rlimits.
 */
export class BwrapSandbox implements Sandbox {
  readonly backend = "bwrap";
  readonly isolated = true;
  readonly home = HOME;
  readonly workspace: string;
  private readonly agentMounts: Mount[];
  private readonly files: MountTable;
  private readonly cgroup: Cgroup | null;
  private readonly etcDir: string;
  private readonly shells: ShellProcess[] = [];

  constructor(private readonly spec: SandboxSpec) {
    const rel = relative(spec.homeDir, spec.workspaceDir);
    const outsideHome = rel.startsWith("..") || isAbsolute(rel);
    // A workspace outside the home (a user's folder, used in place) is bound at the usual place.
    this.workspace = outsideHome ? join(HOME, "workspace") : join(HOME, rel);
    this.agentMounts = [
      { hostPath: spec.homeDir, path: HOME, readOnly: false },
      ...(outsideHome ? [{ hostPath: spec.workspaceDir, path: this.workspace, readOnly: false }] : []),
      ...spec.mounts.map((m) => this.inside(m)),
    ];
    this.files = new MountTable(this.agentMounts, this.workspace);
    this.etcDir = mkdtempSync(join(tmpdir(), "mlgym-etc-"));
    writeFileSync(
      join(this.etcDir, "passwd"),
      `root:x:0:0:root:/root:/bin/bash\nagent:x:1000:1000:agent:${HOME}:/bin/bash\n`,
    );
    writeFileSync(join(this.etcDir, "group"), "root:x:0:\nagent:x:1000:\n");
    this.cgroup = createCgroup(`mlgym-bwrap-${process.pid}-${Date.now().toString(36)}`, spec.limits);
  }

  private inside(m: Mount): Mount {
    return { ...m, path: isAbsolute(m.path) ? m.path : join(HOME, m.path) };
  }

  insidePath(hostPath: string): string | undefined {
    return this.files.toInside(hostPath);
  }

  private bwrapArgs(evaluation: boolean, cwd: string): string[] {
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
    args.push("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp");
    const mounts = [
      ...this.agentMounts,
      ...(evaluation ? this.spec.evaluationMounts.map((m) => this.inside(m)) : []),
    ];
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
      ...this.bwrapArgs(options.evaluation === true, options.cwd ?? this.workspace),
      "bash",
      "--noprofile",
      "--norc",
      "-c",
      command,
    ];
    try {
      const opts: { env: NodeJS.ProcessEnv; timeoutMs?: number } = { env: this.env(options.env) };
      if (options.timeoutMs !== undefined) opts.timeoutMs = options.timeoutMs;
      return await runProcess(limitedArgv(argv, this.spec.limits, this.cgroup), opts);
    } catch (cause) {
      throw new SandboxError(`bwrap exec failed: ${(cause as Error).message}`, { cause });
    }
  }

  spawnShell(): ShellProcess {
    const argv = ["bwrap", ...this.bwrapArgs(false, this.workspace), "bash", "--noprofile", "--norc"];
    const shell = spawnShellProcess(limitedArgv(argv, this.spec.limits, this.cgroup), {
      env: this.env(),
      isInfrastructure: (comm) => comm === "bwrap",
      cgroup: this.cgroup,
    });
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
    for (const shell of this.shells) shell.kill();
    await this.cgroup?.killAll();
    this.cgroup?.remove();
    rmSync(this.etcDir, { recursive: true, force: true });
  }
}
