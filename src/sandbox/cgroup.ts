import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { SandboxLimits } from "./sandbox.js";
import { isGone, stopThenKill } from "./stop-then-kill.js";

/** A control group that holds a sandbox's processes and caps them; null when the host offers none we may write. */
export interface Cgroup {
  /** Files to append a pid to, so that the process and its future children are governed. */
  readonly procsFiles: string[];
  /** Which limits the kernel enforces through this group; the others fall back to rlimits (see `limitedArgv`). */
  readonly enforces: { memory: boolean; pids: boolean; cpu: boolean };
  /** Whether kill sweeps freeze the group first (a frozen process cannot fork, so a fork bomb cannot outrun them). */
  readonly freezes: boolean;
  /** The live processes in the group. */
  pids(): number[];
  /** Forks refused so far because the process limit was full; it grows while a fork bomb runs. */
  forkFailures(): number;
  /** The share of the process limit in use now (0 without a limit). */
  processLoad(): number;
  /**
   * SIGKILLs every process in the group except those `spare` keeps, repeating until none is left; returns how many
   * were killed. Sweeps run one at a time.
   */
  killAll(spare?: (pid: number) => boolean): Promise<number>;
  remove(): void;
}

/** The cgroup controllers this process can use, for `mlgym doctor` and for `createCgroup`. */
export interface CgroupSupport {
  version: "v1" | "v2" | "none";
  pids: boolean;
  memory: boolean;
  /** CPU quota (v1 `cpu.cfs_quota_us`, v2 `cpu.max`). */
  cpu: boolean;
  /** Freezing for kill sweeps (v1 freezer controller, v2 `cgroup.freeze`). */
  freezer: boolean;
}

const ROOT = "/sys/fs/cgroup";
const CFS_PERIOD_US = 100_000;

/** Creates and removes a probe group under `dir`; returns its file names, or null when we may not. */
function probe(dir: string): string[] | null {
  const path = join(dir, `mlgym-probe-${process.pid}`);
  try {
    mkdirSync(path);
  } catch {
    return null;
  }
  try {
    return readdirSync(path);
  } catch {
    return [];
  } finally {
    safeRmdir(path);
  }
}

let support: CgroupSupport | undefined;

/** Which cgroup controllers this process can use for limits (probed once per process). */
export function cgroupSupport(): CgroupSupport {
  support ??= probeSupport();
  return support;
}

function probeSupport(): CgroupSupport {
  const v2 = join(ROOT, "cgroup.controllers");
  if (existsSync(v2)) {
    const controllers = readFileSync(v2, "utf8").split(/\s+/);
    const files = probe(ROOT);
    const ok = files !== null;
    return {
      version: ok ? "v2" : "none",
      pids: ok && controllers.includes("pids"),
      memory: ok && controllers.includes("memory"),
      cpu: ok && controllers.includes("cpu"),
      freezer: ok && files.includes("cgroup.freeze"),
    };
  }
  const v1 = (controller: string) =>
    existsSync(join(ROOT, controller)) && probe(join(ROOT, controller)) !== null;
  const found = { pids: v1("pids"), memory: v1("memory"), cpu: v1("cpu"), freezer: v1("freezer") };
  const any = found.pids || found.memory || found.cpu || found.freezer;
  return { version: any ? "v1" : "none", ...found };
}

function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

/** Creates a cgroup named `name` with the given limits, or returns null if this host offers no cgroup to us. */
export function createCgroup(name: string, limits: SandboxLimits): Cgroup | null {
  const s = cgroupSupport();
  const quota = limits.cpus ? String(Math.max(1000, Math.round(limits.cpus * CFS_PERIOD_US))) : undefined;
  const dirs: string[] = [];
  const enforces = { memory: false, pids: false, cpu: false };
  let freezeFile: { file: string; frozen: string; thawed: string; state: string; done: string } | undefined;
  /** The CPU quota file with its value while limited and while a kill sweep runs. */
  let cpuQuota: { file: string; limited: string; unlimited: string } | undefined;
  let pidsDir: string | undefined;
  const make = (dir: string): boolean => {
    try {
      mkdirSync(dir);
      dirs.push(dir);
      return true;
    } catch {
      return false;
    }
  };
  if (s.version === "v2") {
    // Controllers are usable in a child only when the parent hands them down.
    for (const c of ["pids", "memory", "cpu"] as const)
      if (s[c]) tryWrite(join(ROOT, "cgroup.subtree_control"), `+${c}`);
    const dir = join(ROOT, name);
    if (!make(dir)) return null;
    if (limits.maxProcesses) enforces.pids = tryWrite(join(dir, "pids.max"), String(limits.maxProcesses));
    if (limits.memoryMb) {
      enforces.memory = tryWrite(join(dir, "memory.max"), String(limits.memoryMb * 1024 * 1024));
      tryWrite(join(dir, "memory.swap.max"), "0");
    }
    if (quota) {
      cpuQuota = {
        file: join(dir, "cpu.max"),
        limited: `${quota} ${CFS_PERIOD_US}`,
        unlimited: `max ${CFS_PERIOD_US}`,
      };
      enforces.cpu = tryWrite(cpuQuota.file, cpuQuota.limited);
    }
    if (s.freezer)
      freezeFile = {
        file: join(dir, "cgroup.freeze"),
        frozen: "1",
        thawed: "0",
        state: join(dir, "cgroup.events"),
        done: "frozen 1",
      };
    pidsDir = dir;
  } else if (s.version === "v1") {
    const sub = (controller: string) => join(ROOT, controller, name);
    if (s.pids && make(sub("pids"))) {
      pidsDir = sub("pids");
      if (limits.maxProcesses)
        enforces.pids = tryWrite(join(sub("pids"), "pids.max"), String(limits.maxProcesses));
    }
    if (s.memory && make(sub("memory")) && limits.memoryMb) {
      const bytes = String(limits.memoryMb * 1024 * 1024);
      enforces.memory = tryWrite(join(sub("memory"), "memory.limit_in_bytes"), bytes);
      // Where swap is accounted, memory+swap gets the same cap, so the limit cannot be dodged by swapping.
      tryWrite(join(sub("memory"), "memory.memsw.limit_in_bytes"), bytes);
    }
    if (s.cpu && quota && make(sub("cpu"))) {
      cpuQuota = { file: join(sub("cpu"), "cpu.cfs_quota_us"), limited: quota, unlimited: "-1" };
      enforces.cpu =
        tryWrite(join(sub("cpu"), "cpu.cfs_period_us"), String(CFS_PERIOD_US)) &&
        tryWrite(cpuQuota.file, cpuQuota.limited);
    }
    if (s.freezer && make(sub("freezer"))) {
      const state = join(sub("freezer"), "freezer.state");
      freezeFile = { file: state, frozen: "FROZEN", thawed: "THAWED", state, done: "FROZEN" };
    }
  } else {
    return null;
  }
  if (dirs.length === 0) return null;

  const pids = (): number[] => [...new Set(dirs.flatMap(readPids))].filter((pid) => !isGone(pid));
  const freeze = async (on: boolean): Promise<boolean> => {
    if (!freezeFile) return false;
    if (!tryWrite(freezeFile.file, on ? freezeFile.frozen : freezeFile.thawed)) return false;
    if (!on) return true;
    // Freezing completes asynchronously; a process stuck in the kernel may delay it, so do not wait forever.
    for (let i = 0; i < 100; i++) {
      if (readText(freezeFile.state).includes(freezeFile.done)) return true;
      await sleep(i < 20 ? 1 : 5);
    }
    return false;
  };
  const sweep = async (spare: (pid: number) => boolean): Promise<number> => {
    const victims = () => pids().filter((pid) => !spare(pid));
    if (!freezeFile) return stopThenKill(victims);
    const killed = new Set<number>();
    for (let round = 0; round < 100 && victims().length > 0; round++) {
      const frozen = await freeze(true);
      const doomed = victims();
      for (const pid of doomed) if (signal(pid)) killed.add(pid);
      await freeze(false);
      // Frozen, none of them could fork: once they are gone, so is everything this sweep was for. Processes
      // started after it (the next command of a spared shell) are not its business. Gone means reaped: a zombie
      // still holds its place under the process limit (orphans wait for an init that may reap slowly).
      if (frozen) {
        for (let i = 0; i < 300 && doomed.some((pid) => existsSync(`/proc/${pid}`)); i++)
          await sleep(i < 10 ? 1 : 10);
        break;
      }
      await sleep(round < 5 ? 2 : 20);
    }
    return killed.size;
  };
  let queue: Promise<unknown> = Promise.resolve();
  return {
    procsFiles: dirs.map((d) => join(d, "cgroup.procs")),
    enforces,
    freezes: freezeFile !== undefined,
    pids,
    forkFailures() {
      if (!pidsDir) return 0;
      const m = /^max (\d+)/m.exec(readText(join(pidsDir, "pids.events")));
      return m ? Number(m[1]) : 0;
    },
    processLoad() {
      if (!pidsDir || !enforces.pids) return 0;
      const max = Number(readText(join(pidsDir, "pids.max")));
      return max > 0 ? Number(readText(join(pidsDir, "pids.current"))) / max : 0;
    },
    killAll(spare = () => false) {
      // Killed processes need CPU to exit: a sweep lifts the quota, or hundreds of them would crawl out.
      const unthrottled = async () => {
        if (cpuQuota && enforces.cpu) tryWrite(cpuQuota.file, cpuQuota.unlimited);
        try {
          return await sweep(spare);
        } finally {
          if (cpuQuota && enforces.cpu) tryWrite(cpuQuota.file, cpuQuota.limited);
        }
      };
      const run = queue.then(unthrottled);
      queue = run.catch(() => 0);
      return run;
    },
    remove() {
      if (freezeFile) tryWrite(freezeFile.file, freezeFile.thawed);
      for (const d of dirs) safeRmdir(d);
    },
  };
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

function readPids(dir: string): number[] {
  return readText(join(dir, "cgroup.procs")).split("\n").filter(Boolean).map(Number);
}

function signal(pid: number): boolean {
  try {
    process.kill(pid, "SIGKILL");
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
