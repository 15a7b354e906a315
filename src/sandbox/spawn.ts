import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Cgroup } from "./cgroup.js";
import { descendants, killDescendants } from "./process-tree.js";
import type { ExecResult, SandboxLimits, ShellProcess } from "./sandbox.js";

/** Wraps argv so the process joins the cgroup and gets rlimits before it starts the real program. */
export function limitedArgv(argv: string[], limits: SandboxLimits, cgroup: Cgroup | null): string[] {
  const rlimits: string[] = [];
  if (limits.cpuSeconds) rlimits.push(`--cpu=${limits.cpuSeconds}`);
  if (limits.memoryMb && !cgroup) rlimits.push(`--as=${limits.memoryMb * 1024 * 1024}`);
  if (limits.maxProcesses && !cgroup) rlimits.push(`--nproc=${limits.maxProcesses}`);
  const withRlimits = rlimits.length > 0 ? ["prlimit", ...rlimits, "--", ...argv] : argv;
  if (!cgroup || cgroup.procsFiles.length === 0) return withRlimits;
  const join = cgroup.procsFiles.map((f) => `echo $$ >> '${f}'`).join(" && ");
  return ["/bin/sh", "-c", `${join} && exec "$@"`, "sh", ...withRlimits];
}

const MAX_CAPTURE = 8 * 1024 * 1024;

/** Runs argv to completion (or timeout), capturing stdout and stderr; the whole process group dies on timeout. */
export function runProcess(
  argv: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, {
      env: options.env,
      cwd: options.cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (size < MAX_CAPTURE) into.push(chunk);
      size += chunk.length;
    };
    child.stdout.on("data", collect(out));
    child.stderr.on("data", collect(err));
    let timedOut = false;
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
    stdio: ["pipe", "pipe", "pipe"],
  });
  const rootPid = child.pid;
  if (rootPid === undefined) throw new Error(`cannot start ${cmd}`);
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
