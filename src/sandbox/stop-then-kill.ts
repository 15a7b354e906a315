/**
 * Kills a changing set of processes that may keep forking (a fork bomb): first SIGSTOP every process until no new
 * one appears (stopped processes cannot fork), then SIGKILL them all, then sweep up stragglers.
 * Returns how many processes were killed.
 */
export async function stopThenKill(list: () => number[], rounds = 100): Promise<number> {
  const stopped = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    const fresh = list().filter((pid) => !stopped.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      signal(pid, "SIGSTOP");
      stopped.add(pid);
    }
  }
  let killed = 0;
  for (const pid of stopped) if (signal(pid, "SIGKILL")) killed++;
  for (let round = 0; round < rounds; round++) {
    const left = list();
    if (left.length === 0) break;
    for (const pid of left) if (signal(pid, "SIGKILL")) killed++;
    await new Promise((r) => setTimeout(r, round < 5 ? 2 : 20));
  }
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
