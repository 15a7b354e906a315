import { spawnSync } from "node:child_process";

let support: { ok: boolean; reason: string } | undefined;

/**
 * Whether this bwrap can bound the size of a tmpfs (`--size`, bubblewrap 0.7 and later, refused by a setuid
 * bwrap); tried once per process. Without it /tmp and /dev/shm are bounded only by the memory cap (tmpfs pages are
 * charged to the writer's memory cgroup).
 */
export function tmpfsSizeSupport(): { ok: boolean; reason: string } {
  support ??= probe();
  return support;
}

function probe(): { ok: boolean; reason: string } {
  const args = ["--ro-bind", "/", "/", "--unshare-all", "--size", "1048576", "--tmpfs", "/tmp", "true"];
  const r = spawnSync("bwrap", args, { encoding: "utf8", timeout: 10_000 });
  if (r.status === 0) return { ok: true, reason: "bwrap --size" };
  const help = spawnSync("bwrap", ["--help"], { encoding: "utf8" });
  if (help.error) return { ok: false, reason: "bwrap missing" };
  if (!`${help.stdout}${help.stderr}`.includes("--size"))
    return { ok: false, reason: "this bwrap is too old for --size (0.7 or later needed)" };
  return { ok: false, reason: `bwrap refuses --size: ${(r.stderr || "").trim() || `exit ${r.status}`}` };
}

/** bwrap arguments for a tmpfs at `path`, of `sizeMb` MiB where bwrap can bound it. */
export function tmpfsArgs(path: string, sizeMb: number | undefined): string[] {
  if (sizeMb && tmpfsSizeSupport().ok) return ["--size", String(sizeMb * 1024 * 1024), "--tmpfs", path];
  return ["--tmpfs", path];
}
