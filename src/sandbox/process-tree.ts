import { readdirSync, readFileSync } from "node:fs";
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
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "latin1");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      procs.push({ pid: Number(name), ppid, comm });
    } catch {
      // the process ended while we looked
    }
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

/** SIGKILLs the descendants of `root` that `keep` does not protect (stopping them first, see stopThenKill). */
export function killDescendants(root: number, keep: (p: ProcInfo) => boolean): Promise<number> {
  return stopThenKill(() =>
    descendants(root)
      .filter((p) => !keep(p))
      .map((p) => p.pid),
  );
}
