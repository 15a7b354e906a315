import { appendFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SandboxLimits } from "./sandbox.js";
import { stopThenKill } from "./stop-then-kill.js";

/** A control group that caps memory and process count of a sandbox; null when the host offers none we may write. */
export interface Cgroup {
  /** Files to append a pid to, so that the process and its future children are governed. */
  readonly procsFiles: string[];
  /** SIGKILLs every process in the group except those `spare` keeps; returns how many were killed. */
  killAll(spare?: (pid: number) => boolean): Promise<number>;
  remove(): void;
}

const V1_ROOT = "/sys/fs/cgroup";

function writable(dir: string): boolean {
  try {
    const probe = join(dir, `mlgym-probe-${process.pid}`);
    mkdirSync(probe);
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

/** Which cgroup controllers this process can use for limits, for `mlgym doctor`. */
export function cgroupSupport(): { pids: boolean; memory: boolean; version: "v1" | "v2" | "none" } {
  const v2 = join(V1_ROOT, "cgroup.controllers");
  if (existsSync(v2)) {
    const controllers = readFileSync(v2, "utf8");
    const ok = writable(V1_ROOT);
    return {
      pids: ok && controllers.includes("pids"),
      memory: ok && controllers.includes("memory"),
      version: "v2",
    };
  }
  const pids = existsSync(join(V1_ROOT, "pids")) && writable(join(V1_ROOT, "pids"));
  const memory = existsSync(join(V1_ROOT, "memory")) && writable(join(V1_ROOT, "memory"));
  return { pids, memory, version: pids || memory ? "v1" : "none" };
}

/** Creates a cgroup named `name` with the given limits, or returns null if limits cannot be enforced this way. */
export function createCgroup(name: string, limits: SandboxLimits): Cgroup | null {
  const support = cgroupSupport();
  const dirs: string[] = [];
  try {
    if (support.version === "v2") {
      const dir = join(V1_ROOT, name);
      mkdirSync(dir);
      dirs.push(dir);
      if (limits.maxProcesses && support.pids)
        writeFileSync(join(dir, "pids.max"), String(limits.maxProcesses));
      if (limits.memoryMb && support.memory) {
        writeFileSync(join(dir, "memory.max"), String(limits.memoryMb * 1024 * 1024));
        writeFileSync(join(dir, "memory.swap.max"), "0");
      }
    } else if (support.version === "v1") {
      if (support.pids) {
        const dir = join(V1_ROOT, "pids", name);
        mkdirSync(dir);
        dirs.push(dir);
        if (limits.maxProcesses) writeFileSync(join(dir, "pids.max"), String(limits.maxProcesses));
      }
      if (support.memory) {
        const dir = join(V1_ROOT, "memory", name);
        mkdirSync(dir);
        dirs.push(dir);
        if (limits.memoryMb)
          writeFileSync(join(dir, "memory.limit_in_bytes"), String(limits.memoryMb * 1024 * 1024));
      }
    } else {
      return null;
    }
  } catch {
    for (const d of dirs) safeRmdir(d);
    return null;
  }
  return {
    procsFiles: dirs.map((d) => join(d, "cgroup.procs")),
    killAll(spare = () => false) {
      return stopThenKill(() => dirs.flatMap(readPids).filter((pid) => !spare(pid)));
    },
    remove() {
      for (const d of dirs) safeRmdir(d);
    },
  };
}

function readPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function safeRmdir(dir: string): void {
  for (let i = 0; i < 20; i++) {
    try {
      rmdirSync(dir);
      return;
    } catch {
      // processes may still be exiting
      const until = Date.now() + 10;
      while (Date.now() < until) {
        // brief spin: rmdir is retried synchronously during close
      }
    }
  }
}

/** Appends `pid` to each cgroup.procs file; used by tests and by the spawn wrapper's fallback. */
export function joinCgroup(cgroup: Cgroup, pid: number): void {
  for (const f of cgroup.procsFiles) appendFileSync(f, String(pid));
}
