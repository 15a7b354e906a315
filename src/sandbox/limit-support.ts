import { spawnSync } from "node:child_process";
import { cgroupSupport } from "./cgroup.js";
import { diskQuotaSupport } from "./disk-quota.js";
import { tmpfsSizeSupport } from "./tmpfs-size.js";

/** How this host enforces one kind of limit in the bwrap backend, for `mlgym doctor`. */
export interface LimitSupport {
  /** Key in reports: memory, processes, cpuTime, cpuQuota, killSweep, tmpSize, diskQuota. */
  key: string;
  label: string;
  /** True when the kernel enforces it; false when it is weaker (a watchdog) or absent. */
  enforced: boolean;
  /** The mechanism, or what is missing and what stands in for it. */
  how: string;
}

function tool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

/** Each limit a task may declare, and how the bwrap backend enforces it on this host (probed). */
export function limitSupport(): LimitSupport[] {
  const cg = cgroupSupport();
  const root = process.getuid?.() === 0;
  const prlimit = tool("prlimit");
  const tmpfs = tmpfsSizeSupport();
  const disk = diskQuotaSupport();
  const v = cg.version;
  return [
    {
      key: "memory",
      label: "memory",
      enforced: cg.memory || prlimit,
      how: cg.memory
        ? `cgroup ${v} memory controller`
        : prlimit
          ? "rlimit on address space (cgroup memory controller not writable)"
          : "not enforced (no writable cgroup memory controller, prlimit missing)",
    },
    {
      key: "processes",
      label: "processes",
      enforced: cg.pids || (prlimit && !root),
      how: cg.pids
        ? `cgroup ${v} pids controller`
        : root
          ? "not enforced (cgroup pids controller not writable, and root ignores RLIMIT_NPROC)"
          : prlimit
            ? "rlimit on the user's processes"
            : "not enforced (prlimit missing)",
    },
    {
      key: "cpuTime",
      label: "cpu time",
      enforced: prlimit,
      how: prlimit ? "rlimit per process" : "not enforced (prlimit missing)",
    },
    {
      key: "cpuQuota",
      label: "cpu quota",
      enforced: cg.cpu,
      how: cg.cpu
        ? `cgroup ${v} cpu controller (${v === "v2" ? "cpu.max" : "cpu.cfs_quota_us"})`
        : "not enforced: cgroup cpu controller not writable (a busy loop runs on until its CPU time is up)",
    },
    {
      key: "killSweep",
      label: "kill sweep",
      enforced: cg.freezer,
      how: cg.freezer
        ? `freezes the cgroup first (${v === "v2" ? "cgroup.freeze" : "v1 freezer"})`
        : "signals only (SIGSTOP, then SIGKILL, repeated until none is left): no writable cgroup freezer",
    },
    {
      key: "tmpSize",
      label: "/tmp size",
      enforced: tmpfs.ok,
      how: tmpfs.ok
        ? "tmpfs of tmp_mb (bwrap --size), /dev/shm too"
        : `not enforced (${tmpfs.reason}): bounded by the memory cap only`,
    },
    {
      key: "diskQuota",
      label: "workspace quota",
      enforced: disk.kernel,
      how: disk.kernel ? disk.reason : `not enforced (${disk.reason}, and a file-size rlimit)`,
    },
  ];
}
