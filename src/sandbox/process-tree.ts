import { readdirSync } from "node:fs";
import { readProcStat } from "./proc-stat.js";
import { stopThenKill } from "./stop-then-kill.js";

interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
}

function readProcs(): ProcInfo[] {
  const procs: ProcInfo[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(name);
    // (undefined: the process ended while we looked)
    if (stat) procs.push({ pid: Number(name), ppid: Number(stat.fields[1]), comm: stat.comm });
  }
  return procs;
}

/** Every live descendant of `root` (not `root` itself), parents before children. */
export function descendants(root: number): ProcInfo[] {
  const byParent = new Map<number, ProcInfo[]>();
  for (const p of readProcs()) {
    const list = byParent.get(p.ppid) ?? [];
    list.push(p);
    byParent.set(p.ppid, list);
  }
  const out: ProcInfo[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of byParent.get(pid) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/**
 * SIGKILLs the processes below `roots` as they are now, except those in `keep`: each is stopped first, and so are
 * the children they fork meanwhile, but not processes started later elsewhere (the next command of a spared shell,
 * which a sweep that repeats until nothing is left would catch). Returns how many were killed.
 */
export async function killSnapshot(roots: number[], keep: Set<number>): Promise<number> {
  const victims = new Set<number>();
  for (const root of roots) for (const p of descendants(root)) if (!keep.has(p.pid)) victims.add(p.pid);
  let fresh = [...victims];
  for (let pass = 0, quiet = 0; pass < 200 && quiet < 2; pass++) {
    for (const pid of fresh) signal(pid, "SIGSTOP");
    // Let the signals land (a process may be mid-fork), then take in what they forked.
    await new Promise((r) => setImmediate(r));
    fresh = readProcs()
      .filter((p) => victims.has(p.ppid) && !victims.has(p.pid) && !keep.has(p.pid))
      .map((p) => p.pid);
    for (const pid of fresh) victims.add(pid);
    quiet = fresh.length === 0 ? quiet + 1 : 0;
  }
  let killed = 0;
  for (const pid of victims) if (signal(pid, "SIGKILL")) killed++;
  return killed;
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILLs the descendants of `root` that `keep` does not protect (stopping them first, see stopThenKill). */
export function killDescendants(root: number, keep: (p: ProcInfo) => boolean): Promise<number> {
  return stopThenKill(() =>
    descendants(root)
      .filter((p) => !keep(p))
      .map((p) => p.pid),
  );
}
