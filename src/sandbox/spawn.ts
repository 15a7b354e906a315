import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import type { Cgroup } from "./cgroup.js";
import { descendants, killDescendants } from "./process-tree.js";
import type { ExecResult, SandboxLimits, ShellProcess } from "./sandbox.js";

/**
 * Wraps argv so the process joins the cgroup and gets rlimits before it starts the real program: CPU time per
 * process always; address space and process count where the cgroup does not cap memory and processes; file size
 * at the disk quota, so no single file outgrows it even where the quota is only watched (see disk-quota.ts).
 */
export function limitedArgv(argv: string[], limits: SandboxLimits, cgroup: Cgroup | null): string[] {
  const rlimits: string[] = [];
  if (limits.cpuSeconds) rlimits.push(`--cpu=${limits.cpuSeconds}`);
  if (limits.memoryMb && !cgroup?.enforces.memory) rlimits.push(`--as=${limits.memoryMb * 1024 * 1024}`);
  if (limits.maxProcesses && !cgroup?.enforces.pids) rlimits.push(`--nproc=${limits.maxProcesses}`);
  if (limits.diskMb) rlimits.push(`--fsize=${limits.diskMb * 1024 * 1024}`);
  const withRlimits = rlimits.length > 0 ? ["prlimit", ...rlimits, "--", ...argv] : argv;
  if (!cgroup || cgroup.procsFiles.length === 0) return withRlimits;
  const join = cgroup.procsFiles.map((f) => `echo $$ >> '${f}'`).join(" && ");
  return ["/bin/sh", "-c", `${join} && exec "$@"`, "sh", ...withRlimits];
}

const MAX_CAPTURE = 8 * 1024 * 1024;

/** Options of a one-off process. */
export interface StartOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Stdin and stdout are a protocol channel (not captured); stderr is captured. */
  protocol?: boolean;
  /** Streams duplicated into the process as descriptors 3, 4, ... */
  extraStdio?: Array<Readable | Writable>;
}

/** A started one-off process: its protocol streams (with `protocol`), its result, and a kill switch. */
export interface StartedProcess {
  stdin: Writable | null;
  stdout: Readable | null;
  result: Promise<ExecResult>;
  kill(): void;
}

/** Starts argv in its own process group, capturing output (up to a cap); the whole group dies on timeout or kill. */
export function startProcess(argv: string[], options: StartOptions): StartedProcess {
  const [cmd, ...args] = argv;
  const child = spawn(cmd!, args, {
    env: options.env,
    cwd: options.cwd,
    detached: true,
    stdio: [options.protocol ? "pipe" : "ignore", "pipe", "pipe", ...(options.extraStdio ?? [])],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let size = 0;
  const collect = (into: Buffer[]) => (chunk: Buffer) => {
    if (size < MAX_CAPTURE) into.push(chunk);
    size += chunk.length;
  };
  if (!options.protocol) child.stdout?.on("data", collect(out));
  child.stderr?.on("data", collect(err));
  // A broken protocol pipe is the other side's problem, reported through its result.
  child.stdin?.on("error", () => {});
  let timedOut = false;
  const result = new Promise<ExecResult>((resolve, reject) => {
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            killGroup(child);
          }, options.timeoutMs)
        : undefined;
    child.on("error", (e) => {
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      resolve({
        exitCode: timedOut ? null : code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
      });
    });
  });
  return {
    stdin: options.protocol ? child.stdin : null,
    stdout: options.protocol ? child.stdout : null,
    result,
    kill: () => killGroup(child),
  };
}

/** Runs argv to completion (or timeout), capturing stdout and stderr; the whole process group dies on timeout. */
export function runProcess(
  argv: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<ExecResult> {
  return startProcess(argv, options).result;
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/**
 * Starts a long-lived shell from argv. `isInfrastructure` tells which descendants of the spawned process
 * belong to the sandbox itself (bwrap's helpers) and so must survive `killAllButShell`.
 */
export function spawnShellProcess(
  argv: string[],
  options: {
    env: NodeJS.ProcessEnv;
    cwd?: string;
    isInfrastructure?: (comm: string) => boolean;
    /** Processes of the sandbox's cgroup, which also catches orphans that left the process tree. */
    cgroup?: Cgroup | null;
  },
): ShellProcess {
  const [cmd, ...args] = argv;
  const child = spawn(cmd!, args, {
    env: options.env,
    cwd: options.cwd,
    detached: true,
    // Descriptor 3 is the status channel (see ShellProcess.onStatus); bwrap, prlimit and sh pass it on.
    stdio: ["pipe", "pipe", "pipe", "pipe"],
  });
  const rootPid = child.pid;
  if (rootPid === undefined) throw new Error(`cannot start ${cmd}`);
  const status = child.stdio[3] as Readable;
  status.on("error", () => {});
  // A broken pipe on a dead shell is reported through onExit, not as an uncaught error.
  child.stdin.on("error", () => {});
  let shellPid: number | undefined = options.isInfrastructure ? undefined : rootPid;
  const findShell = (): number | undefined => {
    if (shellPid !== undefined) return shellPid;
    const shell = descendants(rootPid).find((p) => !options.isInfrastructure!(p.comm));
    shellPid = shell?.pid;
    return shellPid;
  };
  return {
    pid: rootPid,
    write: (data) => {
      child.stdin.write(data);
    },
    onData: (listener) => {
      child.stdout.on("data", listener);
      child.stderr.on("data", listener);
    },
    onStatus: (listener) => {
      status.on("data", listener);
    },
    onExit: (listener) => {
      child.on("exit", (code) => listener(code));
    },
    killAllButShell: async () => {
      const shell = findShell();
      const infra = options.isInfrastructure;
      const keep = (p: { pid: number; comm: string }) =>
        p.pid === shell || p.pid === rootPid || infra?.(p.comm) === true;
      const killed = await killDescendants(rootPid, keep);
      const spare = (pid: number) => pid === shell || pid === rootPid || infra?.(commOf(pid)) === true;
      return killed + (options.cgroup ? await options.cgroup.killAll(spare) : 0);
    },
    kill: () => killGroup(child),
  };
}
