import { readdirSync, readFileSync } from "node:fs";

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

/**
 * SIGKILLs the descendants of `root` that `keep` does not protect, repeating until none are left
 * (a fork bomb keeps spawning while we kill). Returns how many processes were killed.
 */
export async function killDescendants(
  root: number,
  keep: (p: ProcInfo) => boolean,
  rounds = 50,
): Promise<number> {
  let killed = 0;
  for (let round = 0; round < rounds; round++) {
    const victims = descendants(root).filter((p) => !keep(p));
    if (victims.length === 0) return killed;
    for (const p of victims) {
      try {
        process.kill(p.pid, "SIGKILL");
        killed++;
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, round < 5 ? 5 : 50));
  }
  return killed;
}
