import { readProcStat } from "./proc-stat.js";

/**
 * Kills a changing set of processes that may keep forking (a fork bomb) without a cgroup freezer: each round first
 * SIGSTOPs every listed process until no new one appears (stopped processes cannot fork), then SIGKILLs them all;
 * rounds repeat until the list has been empty twice in a row, so a child forked while its parent was being stopped
 * is caught by the next round. Returns how many processes were killed.
 */
export async function stopThenKill(list: () => number[], rounds = 200): Promise<number> {
  const killed = new Set<number>();
  const live = () => list().filter((pid) => !isGone(pid));
  for (let round = 0, quiet = 0; round < rounds && quiet < 2; round++) {
    const stopped = new Set<number>();
    for (let pass = 0; pass < 100; pass++) {
      const fresh = live().filter((pid) => !stopped.has(pid));
      if (fresh.length === 0) break;
      for (const pid of fresh) {
        signal(pid, "SIGSTOP");
        stopped.add(pid);
      }
    }
    for (const pid of stopped) if (signal(pid, "SIGKILL")) killed.add(pid);
    quiet = stopped.size === 0 ? quiet + 1 : 0;
    await new Promise((r) => setTimeout(r, round < 5 ? 2 : 20));
  }
  return killed.size;
}

/** True when the process no longer exists or is a zombie (dead, waiting to be reaped: nothing left to kill). */
export function isGone(pid: number): boolean {
  const state = readProcStat(pid)?.fields[0];
  return state === undefined || state === "Z" || state === "X";
}

/** Sends `sig` to `pid`; false when the process is gone (or not ours). */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
