import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SandboxError } from "../errors.js";
import { AgentView, SANDBOX_HOME, SCRATCH_DIR } from "./agent-view.js";
import {
  containerProcesses,
  containerUser,
  engineCall,
  engineCommand,
  environHas,
  forgetContainer,
  labelArgs,
  podmanUlimitArgs,
  taskImage,
  trackContainer,
  untrackContainer,
} from "./container-engine.js";
import { killProcessGroup, spawnContainerShell } from "./container-shell.js";
import { diskQuotaSupport, mountQuota, type QuotaFilesystem } from "./disk-quota.js";
import { LimitGuard } from "./limit-guard.js";
import { MountTable } from "./mount-table.js";
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
import { runProcess, startProcess } from "./spawn.js";

export { probeContainerEngine } from "./container-engine.js";

const HOME = SANDBOX_HOME;
const SCRATCH = SCRATCH_DIR;
/** Where an evaluation container finds the two pipes that stand for descriptors 3 and 4 (see `startScratch`). */
const CHANNEL = "/run/mlgym-channel";
const TAG = "MLGYM_EXEC_TAG";
/** Relays descriptor 3 <- pipe `3` and descriptor 4 -> pipe `4` of the folder in argv[1] (see `oneOff`). */
const RELAY = `const net = require("node:net"), fs = require("node:fs"), d = process.argv[1];
const quiet = (s) => s.on("error", () => {});
const requests = quiet(new net.Socket({ fd: 3, readable: false, writable: true }));
const replies = quiet(new net.Socket({ fd: 4, readable: true, writable: false }));
quiet(fs.createReadStream(d + "/3")).pipe(requests);
replies.pipe(quiet(fs.createWriteStream(d + "/4")));`;

/** Creates and starts a container sandbox; a failed start removes what it made. */
export async function createContainerSandbox(spec: SandboxSpec, engine?: string): Promise<Sandbox> {
  const box = new ContainerSandbox(spec, engineCommand(engine));
  try {
    await box.start();
  } catch (error) {
    await box.close();
    throw error;
  }
  return box;
}

/**
 * One container per episode, through the docker CLI (or podman's docker-compatible one): the task image's system
 * read-only, no network unless the task allows it, no capabilities, memory/CPU/process caps by the engine, CPU time
 * and file size by rlimits, /tmp and /dev/shm size-bounded, the home bind-mounted (on a size-bounded filesystem
 * where the host allows, else watched), read-only mounts enforced by the kernel. Hidden files and evaluations live
 * only in one-off containers of their own. The agent runs under the host user's uid (named `agent`), so files in
 * the bind-mounted workspace belong to the host user, as under bwrap.
 */
export class ContainerSandbox implements Sandbox {
  readonly backend: string;
  readonly isolated = true;
  readonly home = HOME;
  readonly workspace: string;
  private readonly view: AgentView;
  readonly name = `mlgym-${process.pid}-${randomBytes(4).toString("hex")}`;
  private readonly agentMounts: Mount[];
  private readonly files: MountTable;
  private readonly etcDir: string;
  private readonly quota: QuotaFilesystem | null;
  private readonly guard: LimitGuard;
  private readonly shells: Array<{ proc: ShellProcess; pids: () => number[] }> = [];
  private readonly scratch = new Set<string>();
  /** Container pids never killed: the init and the main process. */
  private readonly keep = new Set<number>([1]);
  private scratchCount = 0;
  private closed = false;

  constructor(
    private readonly spec: SandboxSpec,
    private readonly engine: string,
  ) {
    this.backend = engine.endsWith("podman") ? "podman" : "docker";
    this.view = new AgentView(spec);
    this.workspace = this.view.workspace;
    this.agentMounts = this.view.mounts;
    const outsideHome = this.view.workspaceOutsideHome;
    this.files = new MountTable(this.agentMounts, this.workspace);
    const diskMb = spec.limits.diskMb;
    this.quota = diskMb && diskQuotaSupport().kernel ? mountQuota(spec.homeDir, diskMb) : null;
    const watched = this.quota ? [] : [spec.homeDir];
    if (outsideHome) watched.push(spec.workspaceDir);
    const { uid, gid } = containerUser(engine);
    this.etcDir = mkdtempSync(join(tmpdir(), "mlgym-etc-"));
    chmodSync(this.etcDir, 0o755);
    writeFileSync(join(this.etcDir, "passwd"), `agent:x:${uid}:${gid}:agent:${HOME}:/bin/bash\n`);
    writeFileSync(join(this.etcDir, "group"), `agent:x:${gid}:\n`);
    this.guard = new LimitGuard({
      cgroup: null,
      ...(diskMb && watched.length > 0 ? { watch: { dirs: watched, limitMb: diskMb } } : {}),
      sweep: () => this.killAll(this.shellPids()),
    });
  }

  /** `docker run` arguments shared by the episode's container and its one-off ones: identity, limits, mounts. */
  private runArgs(name: string, mounts: Mount[], cwd: string): string[] {
    const { limits } = this.spec;
    const args = [...labelArgs(name), "--name", name, "--init", "--hostname", "mlgym"];
    args.push(...containerUser(this.engine).args, "--cap-drop", "ALL", "--security-opt", "no-new-privileges");
    // With the network allowed, the engine's default network (rootless engines have their own).
    args.push("--read-only", ...(this.spec.network ? [] : ["--network", "none"]));
    const tmp = limits.tmpMb ? `,size=${limits.tmpMb}m` : "";
    args.push("--tmpfs", `/tmp:rw,exec,nosuid,nodev,mode=1777${tmp}`, "--tmpfs", `${SCRATCH}:rw,mode=755`);
    if (limits.tmpMb) args.push("--shm-size", `${limits.tmpMb}m`);
    if (limits.memoryMb) args.push("--memory", `${limits.memoryMb}m`, "--memory-swap", `${limits.memoryMb}m`);
    if (limits.cpus) args.push("--cpus", String(limits.cpus));
    if (limits.maxProcesses) args.push("--pids-limit", String(limits.maxProcesses));
    if (this.backend === "podman") args.push(...podmanUlimitArgs());
    if (limits.cpuSeconds) args.push("--ulimit", `cpu=${limits.cpuSeconds}:${limits.cpuSeconds}`);
    if (limits.diskMb) {
      const bytes = limits.diskMb * 1024 * 1024;
      args.push("--ulimit", `fsize=${bytes}:${bytes}`);
    }
    args.push(...this.deviceArgs());
    for (const [k, v] of Object.entries(this.env())) args.push("--env", `${k}=${v}`);
    args.push(
      "-v",
      `${join(this.etcDir, "passwd")}:/etc/passwd:ro`,
      "-v",
      `${join(this.etcDir, "group")}:/etc/group:ro`,
    );
    for (const m of mounts) args.push("-v", `${m.hostPath}:${m.path}${m.readOnly ? ":ro" : ""}`);
    args.push("--workdir", cwd);
    return args;
  }

  /** GPUs: `--gpus` for Docker, CDI devices for Podman (MLGYM_CONTAINER_GPUS=cdi|gpus overrides). */
  private deviceArgs(): string[] {
    const devices = this.spec.devices ?? [];
    if (devices.length === 0) return [];
    const style = process.env.MLGYM_CONTAINER_GPUS ?? (this.backend === "podman" ? "cdi" : "gpus");
    if (style === "cdi") return devices.flatMap((d) => ["--device", `nvidia.com/gpu=${d}`]);
    return ["--gpus", `"device=${devices.join(",")}"`];
  }

  private env(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {
      ...this.spec.env,
      ...extra,
      HOME,
      USER: "agent",
      LANG: process.env.LANG ?? "C.UTF-8",
      TERM: "dumb",
      PATH: [...this.spec.path, "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
    };
    // Passed-through GPUs are numbered from 0 inside the container.
    const n = this.spec.devices?.length ?? 0;
    if (n > 0) env.CUDA_VISIBLE_DEVICES = Array.from({ length: n }, (_, i) => String(i)).join(",");
    return env;
  }

  /** Starts the episode's container (its main process only sleeps: every command is an exec). */
  async start(): Promise<void> {
    trackContainer(this.engine, this.name);
    const args = ["run", "-d", ...this.runArgs(this.name, this.agentMounts, this.workspace), taskImage()];
    await engineCall(this.engine, [...args, "sleep", "infinity"], {
      timeoutMs: 120_000,
      before: () => engineCall(this.engine, ["rm", "-f", this.name], { allowFail: true }),
    });
    // The init and the main process, never to be swept (a sweep without them would stop the container).
    for (let attempt = 0; attempt < 5 && this.keep.size < 2; attempt++) {
      for (const p of await containerProcesses(this.engine, this.name)) this.keep.add(p.pid);
    }
    if (this.keep.size < 2) throw new SandboxError(`cannot list the processes of container ${this.name}`);
  }

  insidePath(hostPath: string): string | undefined {
    return this.files.toInside(hostPath);
  }

  /**
   * SIGKILLs every process of the container but its init, its main process and `spare` (container pids), from the
   * host, with the container paused so that a fork bomb cannot outrun the sweep; `tag`: only the processes whose
   * environment carries that exec tag.
   */
  private async killAll(spare: Set<number>, tag?: string): Promise<number> {
    if (this.closed) return 0;
    const paused = await engineCall(this.engine, ["pause", this.name], { allowFail: true, attempts: 1 });
    let killed = 0;
    try {
      for (const p of await containerProcesses(this.engine, this.name)) {
        if (this.keep.has(p.pid) || spare.has(p.pid)) continue;
        if (tag && !environHas(p.hostPid, `${TAG}=${tag}`)) continue;
        try {
          process.kill(p.hostPid, "SIGKILL");
          killed++;
        } catch {}
      }
    } finally {
      if (paused.code === 0) await engineCall(this.engine, ["unpause", this.name], { allowFail: true });
    }
    return killed;
  }

  private shellPids(): Set<number> {
    return new Set(this.shells.flatMap((s) => s.pids()));
  }

  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const cwd = options.cwd ?? this.workspace;
    if (options.evaluation) {
      // Hidden files only ever appear in a one-off container of their own.
      const hidden = this.view.evaluationMounts();
      // Layered over the agent's mounts: one at the same place replaces the agent's.
      const mounts = [...this.agentMounts.filter((m) => !hidden.some((h) => h.path === m.path)), ...hidden];
      const run = this.oneOff(mounts, cwd, ["bash", "--noprofile", "--norc", "-c", command], {
        env: options.env ?? {},
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
      return this.checked(await run.result);
    }
    const tag = randomBytes(8).toString("hex");
    const envArgs = Object.entries({ ...options.env, [TAG]: tag }).flatMap(([k, v]) => [
      "--env",
      `${k}=${v}`,
    ]);
    const argv = [this.engine, "exec", ...envArgs, "--workdir", cwd, this.name];
    const notes = this.guard.noteCount;
    let result: ExecResult;
    try {
      result = await runProcess([...argv, "bash", "--noprofile", "--norc", "-c", command], {
        env: process.env,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      });
    } catch (cause) {
      throw new SandboxError(`${this.backend} exec failed: ${(cause as Error).message}`, { cause });
    }
    // The CLI is gone; what it started in the container is not, unless killed there.
    if (result.timedOut) await this.killAll(this.shellPids(), tag);
    await this.guard.checkDisk();
    const stopped = this.guard.notesSince(notes);
    const checked = this.checked(result);
    return stopped.length > 0 ? { ...checked, stderr: `${checked.stderr}${stopped.join("\n")}\n` } : checked;
  }

  /** A failure of the engine (not of the command) is a SandboxError. */
  private checked(result: ExecResult): ExecResult {
    if (
      /^(\w+: )?(Error response from daemon|Error: No such container|Cannot connect to the)/m.test(
        result.stderr,
      )
    ) {
      throw new SandboxError(`${this.backend}: ${result.stderr.trim().slice(0, 500)}`);
    }
    return result;
  }

  spawnShell(): ShellProcess {
    const { shell, pids } = spawnContainerShell(this.engine, this.name, this.workspace, {
      killAllButShell: () => this.killAll(this.shellPids()),
      killPids: (set) => this.killPids(set),
    });
    this.shells.push({ proc: shell, pids });
    return shell;
  }

  private async killPids(pids: Set<number>): Promise<void> {
    if (this.closed) return;
    for (const p of await containerProcesses(this.engine, this.name)) {
      if (pids.has(p.pid)) {
        try {
          process.kill(p.hostPid, "SIGKILL");
        } catch {}
      }
    }
  }

  /**
   * A one-off container (`docker run --rm`) with the sandbox's limits; removed when its run ends or is killed.
   * Descriptors 3 and 4 (`extraStdio`) cannot cross the engine: they become two named pipes in a folder mounted at
   * /run/mlgym-channel, relayed on the host by a process that holds the given descriptors.
   */
  private oneOff(
    mounts: Mount[],
    cwd: string,
    command: string[],
    options: {
      env: Record<string, string>;
      timeoutMs?: number;
      protocol?: boolean;
      extraStdio?: ScratchRunOptions["extraStdio"];
    },
  ): ScratchProcess {
    const name = `${this.name}-run-${++this.scratchCount}`;
    this.scratch.add(name);
    trackContainer(this.engine, name);
    let channel: string | undefined;
    let inner = command;
    const extraMounts: Mount[] = [];
    if (options.extraStdio && options.extraStdio.length > 0) {
      channel = mkdtempSync(join(tmpdir(), "mlgym-channel-"));
      chmodSync(channel, 0o755);
      for (const fifo of ["3", "4"]) {
        runSyncOk("mkfifo", ["-m", "0666", join(channel, fifo)]);
      }
      extraMounts.push({ hostPath: channel, path: CHANNEL, readOnly: false });
      inner = ["bash", "-c", `exec 3>${CHANNEL}/3 4<${CHANNEL}/4; exec "$@"`, "bash", ...command];
    }
    const envArgs = Object.entries(options.env).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
    const run = [
      this.engine,
      "run",
      "--rm",
      ...(options.protocol ? ["-i"] : []),
      ...this.runArgs(name, [...mounts, ...extraMounts], cwd),
      ...envArgs,
      taskImage(),
      ...inner,
    ];
    // Node's pipes are non-blocking, which `cat` cannot read: the relay is a small node process.
    const relay = channel
      ? spawn(process.execPath, ["-e", RELAY, channel], {
          stdio: ["ignore", "ignore", "ignore", ...(options.extraStdio ?? [])],
          detached: true,
        })
      : undefined;
    const started = startProcess(run, {
      env: process.env,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.protocol ? { protocol: true } : {}),
    });
    const remove = async () => {
      await engineCall(this.engine, ["rm", "-f", name], { allowFail: true });
      this.scratch.delete(name);
      untrackContainer(name);
    };
    const result = started.result.finally(async () => {
      if (relay) killProcessGroup(relay);
      await remove();
      if (channel) rmSync(channel, { recursive: true, force: true });
    });
    return {
      ...started,
      result,
      kill: () => {
        started.kill();
        if (relay) killProcessGroup(relay);
        void remove();
      },
    };
  }

  startScratch(command: string, options: ScratchRunOptions): ScratchProcess {
    return this.oneOff(
      this.view.scratchMounts(options),
      this.workspace,
      ["bash", "--noprofile", "--norc", "-c", command],
      {
        env: options.env ?? {},
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.protocol ? { protocol: true } : {}),
        ...(options.extraStdio ? { extraStdio: options.extraStdio } : {}),
      },
    );
  }

  /** The engine's freezer holds every process of the container, its shell included. */
  async freeze(): Promise<() => Promise<void>> {
    await engineCall(this.engine, ["pause", this.name], { timeoutMs: 30_000 });
    return async () => {
      await engineCall(this.engine, ["unpause", this.name], { timeoutMs: 30_000 });
    };
  }

  readFile(path: string): Promise<Buffer> {
    return this.files.read(path);
  }

  writeFile(path: string, data: string | Uint8Array): Promise<void> {
    return this.files.write(path, data);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.guard.stop();
    for (const s of this.shells) s.proc.kill();
    const names = [this.name, ...this.scratch];
    const removed = await engineCall(this.engine, ["rm", "-f", ...names], {
      timeoutMs: 60_000,
      allowFail: true,
    });
    // Where the engine failed, the exit hook (and `mlgym doctor --clean`) try again.
    if (removed.code === 0) for (const n of names) untrackContainer(n);
    forgetContainer(this.engine, this.name);
    this.quota?.release();
    rmSync(this.etcDir, { recursive: true, force: true });
  }
}

function runSyncOk(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new SandboxError(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
}
