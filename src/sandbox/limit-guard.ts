import type { Cgroup } from "./cgroup.js";
import { diskUsage } from "./disk-quota.js";

const MIB = 1024 * 1024;

/** What a LimitGuard watches and how it stops the sandbox's processes. */
export interface LimitGuardOptions {
  cgroup: Cgroup | null;
  /** Folders held to a size only by watching them (no quota filesystem on this host), with the size in MiB. */
  watch?: { dirs: string[]; limitMb: number };
  /**
   * The process limit and how to count the sandbox's processes, for hosts where no pids cgroup enforces it (root
   * ignores RLIMIT_NPROC): a quarter of the limit or more is treated as a fork bomb (a heuristic).
   */
  processes?: { max: number; count: () => number };
  /** Kills every process of the sandbox except its shells, for a fork bomb (`processes`) or a disk filler. */
  sweep: (reason: "processes" | "disk") => Promise<unknown>;
  /**
   * Milliseconds between checks (default 100): the cgroup counters every time, a process count every 3rd, the
   * folders every 20th.
   */
  intervalMs?: number;
}

/**
 * Watches a sandbox for what no single command's timeout catches: a fork bomb, in the background too (the cgroup's
 * count of refused forks grows; without a pids cgroup, the process count reaches the limit), and, where the host has
 * no quota filesystem, the home outgrowing its disk quota (measured with `du` between and after commands: not
 * kernel-enforced, a fast writer overshoots until the next check). Either way every process except the shells is
 * killed, so the episode goes on.
 */
export class LimitGuard {
  private readonly notes: string[] = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private forkFailures: number;
  /** Bytes the watched folders held at the last stop while over the quota (0: not over it). */
  private overAt = 0;
  private busy = false;
  private ticks = 0;

  constructor(private readonly options: LimitGuardOptions) {
    this.forkFailures = options.cgroup?.forkFailures() ?? 0;
    if (!options.cgroup?.enforces.pids && !options.processes && !options.watch) return;
    this.timer = setInterval(() => void this.tick(), options.intervalMs ?? 100);
    this.timer.unref();
  }

  /** How many notes the guard has written so far (an index for `notesSince`). */
  get noteCount(): number {
    return this.notes.length;
  }

  /** What the guard did since the `noteCount` of an earlier moment, one sentence each. */
  notesSince(from: number): string[] {
    return this.notes.slice(from);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const tick = this.ticks++;
      // Counting processes reads all of /proc: every 3rd check only (cgroup counters are one small file).
      if (this.options.cgroup?.enforces.pids || tick % 3 === 0) await this.checkProcesses();
      if (this.options.watch && tick % 20 === 0) await this.checkDisk();
    } finally {
      this.busy = false;
    }
  }

  /**
   * Stops everything but the shells when forks were refused for the process limit since the last check and the
   * limit is still nearly full (if not, someone, e.g. the shell session, has stopped the culprit already); without
   * a pids cgroup, when the sandbox's processes fill a quarter of the limit.
   */
  async checkProcesses(): Promise<void> {
    const cgroup = this.options.cgroup;
    const processes = this.options.processes;
    if (!cgroup?.enforces.pids) {
      // RLIMIT_NPROC counts all the user's processes, so a capped bomb may stop well short of `max` in the sandbox.
      if (!processes || processes.count() < processes.max / 4) return;
      await this.options.sweep("processes");
      this.notes.push("THE SANDBOX'S PROCESS LIMIT WAS REACHED: every process except the shell was stopped.");
      return;
    }
    const failures = cgroup.forkFailures();
    if (failures <= this.forkFailures) return;
    this.forkFailures = failures;
    if (cgroup.processLoad() < 0.5) return;
    await this.options.sweep("processes");
    this.forkFailures = cgroup.forkFailures();
    this.notes.push("THE SANDBOX'S PROCESS LIMIT WAS REACHED: every process except the shell was stopped.");
  }

  /**
   * Measures the watched folders; over the quota and grown since the last stop, stops everything but the shells
   * (so the agent's `rm` or `ls` that follows is left alone, a writer that goes on is not).
   */
  async checkDisk(): Promise<void> {
    const watch = this.options.watch;
    if (!watch) return;
    const used = await diskUsage(watch.dirs);
    if (used <= watch.limitMb * MIB) {
      this.overAt = 0;
      return;
    }
    if (used <= this.overAt) return;
    await this.options.sweep("disk");
    // What the stopped writers added while being stopped is not the next command's doing.
    this.overAt = Math.max(used, await diskUsage(watch.dirs));
    this.notes.push(
      `THE HOME HOLDS ${Math.round(used / MIB)} MiB, MORE THAN ITS DISK QUOTA OF ${watch.limitMb} MiB: every process except the shell was stopped; delete files to go on (watched, not enforced by the kernel on this host).`,
    );
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
