import type { Readable, Writable } from "node:stream";

/** A host folder made visible inside the sandbox at `path`. */
export interface Mount {
  hostPath: string;
  path: string;
  readOnly: boolean;
}

/** Resource limits of everything the agent runs (defaults and merging: `limits.ts`). */
export interface SandboxLimits {
  /** Memory of all the sandbox's processes together, /tmp and /dev/shm included (MiB). */
  memoryMb?: number;
  /** CPU time of each process (seconds); a process that uses more is killed. */
  cpuSeconds?: number;
  /** Processes and threads of the sandbox together. */
  maxProcesses?: number;
  /** CPU cores the sandbox's processes may use together (a quota: more is throttled, not killed). */
  cpus?: number;
  /** Size of the agent's home, workspace included (MiB). */
  diskMb?: number;
  /** Size of /tmp and of /dev/shm, each (MiB). */
  tmpMb?: number;
}

/** What a sandbox is built from; backends differ only in how strictly they enforce it. */
export interface SandboxSpec {
  /** Host folder that is the agent's home (`/home/agent` inside isolating backends). */
  homeDir: string;
  /** Host folder of the workspace; must lie inside `homeDir`. */
  workspaceDir: string;
  /** Extra mounts the agent sees (read-only data, evaluation files, tools, the Python runtime). */
  mounts: Mount[];
  /** Mounts that only evaluation runs see (hidden ground truth), layered over `mounts`. */
  evaluationMounts: Mount[];
  network: boolean;
  limits: SandboxLimits;
  /** Environment variables of every process in the sandbox. */
  env: Record<string, string>;
  /** Folders prepended to PATH inside the sandbox. */
  path: string[];
  /** GPU ids the sandbox may use; container backends pass exactly these devices through. */
  devices?: string[];
}

export interface ExecOptions {
  /** Working directory inside the sandbox (default: the workspace). */
  cwd?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Run with the evaluation mounts (hidden files visible). */
  evaluation?: boolean;
}

export interface ExecResult {
  /** Exit code, or null when the process was killed. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A one-off run in a fresh view of the sandbox: evaluations, and the agent's code that they call. */
export interface ScratchRunOptions {
  /**
   * `evaluation`: the system, the runtime and the host folder `dir` as the working directory (shown where the
   * workspace is, writable, never visible to the agent), with `mounts` inside it; the agent's home is absent.
   * `agent`: the agent's own view with its home read-only, cwd = its workspace; `mounts` appear under /run/mlgym.
   */
  view: "evaluation" | "agent";
  dir: string;
  mounts: Mount[];
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Stdin and stdout are a protocol channel (not captured). */
  protocol?: boolean;
  /** Streams given to the process as descriptors 3, 4, ... */
  extraStdio?: Array<Readable | Writable>;
}

/** A started scratch run. */
export interface ScratchProcess {
  stdin: Writable | null;
  stdout: Readable | null;
  result: Promise<ExecResult>;
  kill(): void;
}

/** A long-lived bash inside the sandbox; stdout and stderr arrive on one stream. */
export interface ShellProcess {
  readonly pid: number;
  write(data: string | Buffer): void;
  onData(listener: (chunk: Buffer) => void): void;
  /** What the shell writes to its descriptor 3: the shell session's status channel, separate from the output. */
  onStatus(listener: (chunk: Buffer) => void): void;
  onExit(listener: (code: number | null) => void): void;
  /** SIGKILLs every process of the sandbox except the shell itself (children, background jobs, orphans). */
  killAllButShell(): Promise<number>;
  kill(): void;
}

/** The one interface tools, tasks and the environment run code through. */
export interface Sandbox {
  readonly backend: string;
  /** True when mounts, hidden files, network and limits are enforced by the kernel. */
  readonly isolated: boolean;
  /** Paths as processes inside the sandbox see them. */
  readonly home: string;
  readonly workspace: string;
  /** Maps a host path under a mount (or the home) to its path inside; undefined when not visible. */
  insidePath(hostPath: string): string | undefined;
  /** Runs `bash -c command` once, outside the agent's shell. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  spawnShell(): ShellProcess;
  /** Starts a one-off run in a fresh view, in its own processes and control group, with the sandbox's limits. */
  startScratch(command: string, options: ScratchRunOptions): ScratchProcess;
  /** Stops (SIGSTOP) every process of the agent, its shell included, until the returned function resumes them. */
  freeze(): Promise<() => Promise<void>>;
  /** Reads a file by its path inside the sandbox, as the agent would see it. */
  readFile(path: string): Promise<Buffer>;
  /** Writes a file by its path inside the sandbox; fails where the agent could not write. */
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  close(): Promise<void>;
}
