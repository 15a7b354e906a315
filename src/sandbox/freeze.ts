import { signal } from "./stop-then-kill.js";

/**
 * Stops a changing set of processes with SIGSTOP, sweeping until no new one appears (a stopped process can neither
 * fork nor write), and returns the function that resumes them all. Used to hold the agent still while its
 * submission is copied and evaluated.
 */
export async function freezeProcesses(list: () => number[], rounds = 100): Promise<() => Promise<void>> {
  const self = process.pid;
  const stopped = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    const fresh = list().filter((pid) => pid !== self && !stopped.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      if (signal(pid, "SIGSTOP")) stopped.add(pid);
    }
    // Let a signal land before looking again (a process may be mid-fork).
    await new Promise((r) => setImmediate(r));
  }
  return async () => {
    for (const pid of stopped) signal(pid, "SIGCONT");
  };
}
