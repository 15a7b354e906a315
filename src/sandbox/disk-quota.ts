import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { SandboxError } from "../errors.js";

const MIB = 1024 * 1024;

/** A folder mounted over by a size-bounded filesystem of its own: writes past its size fail with ENOSPC. */
export interface QuotaFilesystem {
  readonly dir: string;
  readonly sizeMb: number;
  /** Unmounts it, keeping what it held in the folder (copied back out), and deletes its image. */
  release(): void;
}

/** How the agent's home is held to its size on this host, and why not by the kernel where it is not. */
export interface DiskQuotaSupport {
  kernel: boolean;
  reason: string;
}

let support: DiskQuotaSupport | undefined;
const mounted = new Set<QuotaFilesystem>();

function run(cmd: string, args: string[]): { ok: boolean; error: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  const error = r.error ? r.error.message : (r.stderr || r.stdout || `exit ${r.status}`).trim();
  return { ok: r.status === 0, error };
}

/**
 * Whether a per-episode ext4 image can be loop-mounted here (root, mkfs.ext4, mount): tried once per process with a
 * small image, so `mlgym doctor` and the sandboxes agree.
 */
export function diskQuotaSupport(): DiskQuotaSupport {
  support ??= probe();
  return support;
}

function probe(): DiskQuotaSupport {
  if (process.platform !== "linux") return { kernel: false, reason: "not Linux: watchdog only" };
  if (process.getuid?.() !== 0) return { kernel: false, reason: "not root: watchdog only" };
  for (const tool of ["mkfs.ext4", "mount", "umount"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0)
      return { kernel: false, reason: `${tool} missing (apt-get install e2fsprogs mount): watchdog only` };
  }
  cleanStaleMounts();
  const dir = mkdtempSync(join(tmpdir(), "mlgym-quota-probe-"));
  try {
    mkdirSync(join(dir, "home"));
    const fs = mountQuota(join(dir, "home"), 8);
    fs.release();
    return { kernel: true, reason: "a loop-mounted ext4 image per episode" };
  } catch (error) {
    return { kernel: false, reason: `loop mount failed (${(error as Error).message}): watchdog only` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Puts `dir` (which must exist) on an ext4 image of `sizeMb` MiB, loop-mounted over it, with its current content
 * copied in; the image lies beside `dir` and is sparse, so the host's disk holds only what is written. Throws when
 * the mount fails or the content does not fit.
 */
export function mountQuota(dir: string, sizeMb: number): QuotaFilesystem {
  const parent = dirname(dir);
  const image = join(parent, `.${basename(dir)}-${process.pid}-${Date.now().toString(36)}.ext4`);
  closeSync(openSync(image, "w"));
  const undo: Array<() => void> = [() => rmSync(image, { force: true })];
  const fail = (what: string, error: string): never => {
    for (const step of undo.reverse()) step();
    throw new SandboxError(`${what}: ${error}`);
  };
  try {
    spawnSync("truncate", ["-s", String(sizeMb * MIB), image]);
    // No journal, no reserved blocks: the space is the agent's, and the image is thrown away after the episode.
    const mkfs = run("mkfs.ext4", ["-q", "-F", "-m", "0", "-O", "^has_journal", "-E", "nodiscard", image]);
    if (!mkfs.ok) fail("mkfs.ext4 failed", mkfs.error);
    const mode = statSync(dir).mode & 0o7777;
    const before = mkdtempSync(join(parent, `.${basename(dir)}-before-`));
    undo.push(() => rmSync(before, { recursive: true, force: true }));
    renameSync(dir, join(before, "content"));
    mkdirSync(dir, { mode });
    undo.push(() => {
      rmdirSync(dir);
      renameSync(join(before, "content"), dir);
    });
    const mount = run("mount", ["-o", "loop,nosuid,nodev,noatime", image, dir]);
    if (!mount.ok) fail("mount failed", mount.error);
    undo.push(() => unmount(dir));
    rmSync(join(dir, "lost+found"), { recursive: true, force: true });
    chmodSync(dir, mode);
    const copy = run("cp", ["-a", `${join(before, "content")}/.`, `${dir}/`]);
    if (!copy.ok) fail(`the home does not fit its ${sizeMb} MiB disk quota`, copy.error);
    rmSync(before, { recursive: true, force: true });
  } catch (error) {
    if (error instanceof SandboxError) throw error;
    fail("cannot set up the disk quota", (error as Error).message);
  }
  const fs: QuotaFilesystem = {
    dir,
    sizeMb,
    release() {
      if (!mounted.delete(fs)) return;
      const saved = mkdtempSync(join(parent, `.${basename(dir)}-saved-`));
      run("cp", ["-a", `${dir}/.`, `${saved}/`]);
      // Inside the sandbox the agent owns its files as the host's user: no set-id bit may come back out with them.
      run("find", [saved, "-type", "f", "-perm", "/6000", "-exec", "chmod", "ug-s", "{}", "+"]);
      unmount(dir);
      for (const name of readdirSync(saved)) renameSync(join(saved, name), join(dir, name));
      rmSync(saved, { recursive: true, force: true });
      rmSync(image, { force: true });
    },
  };
  mounted.add(fs);
  exitHook();
  return fs;
}

function unmount(dir: string): void {
  for (let i = 0; i < 10; i++) {
    if (run("umount", [dir]).ok) return;
    spawnSync("sleep", ["0.05"]);
  }
  // Still busy (a process we could not kill holds a file): detach it now, the kernel frees it when released.
  run("umount", ["-l", dir]);
}

let hooked = false;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function detachAll(): void {
  for (const fs of mounted) {
    spawnSync("umount", ["-l", fs.dir]);
    mounted.delete(fs);
  }
}

/** Detaches the mounts, then lets the signal do what it would have done without us. */
function onSignal(signal: NodeJS.Signals): void {
  // Another handler (the CLI's Ctrl-C) ends the run itself, closing its sandboxes; the exit hook covers the rest.
  if (process.listenerCount(signal) > 1) return;
  detachAll();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

/**
 * A process that exits without closing its sandboxes (an error, Ctrl-C, a test runner's timeout) must not leave
 * loop mounts behind; what SIGKILL leaves, the next process's probe cleans up (`cleanStaleMounts`).
 */
function exitHook(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", detachAll);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Image name of a quota filesystem: `.<folder>-<pid of the process that made it>-<stamp>.ext4`. */
const IMAGE = /^\.[^/]*-(\d+)-[0-9a-z]+\.ext4( \(deleted\))?$/;

/** Detaches quota filesystems whose process is gone (killed before it could), and deletes their images. */
export function cleanStaleMounts(): number {
  let cleaned = 0;
  let mountinfo = "";
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return 0;
  }
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    const target = left?.split(" ")[4]?.replace(/\\040/g, " ");
    const [fstype, source] = right?.split(" ") ?? [];
    if (!target || fstype !== "ext4" || !source?.startsWith("/dev/loop")) continue;
    let backing = "";
    try {
      backing = readFileSync(`/sys/block/${basename(source)}/loop/backing_file`, "utf8").trim();
    } catch {
      continue;
    }
    const m = IMAGE.exec(basename(backing));
    if (!m || existsSync(`/proc/${m[1]}`)) continue;
    if (run("umount", ["-l", target]).ok) cleaned++;
    rmSync(backing.replace(/ \(deleted\)$/, ""), { force: true });
  }
  return cleaned;
}

/** Bytes the files under `dirs` occupy on disk now (`du`, blocking), without crossing into other filesystems. */
export function diskUsageSync(dirs: string[]): number {
  const r = spawnSync("du", ["-s", "-x", "-k", "-c", ...dirs], { encoding: "utf8" });
  const total = /^(\d+)\s+total$/m.exec(r.stdout ?? "");
  return total ? Number(total[1]) * 1024 : 0;
}

/** Bytes the files under `dirs` occupy on disk (`du`), without crossing into other filesystems; async. */
export function diskUsage(dirs: string[]): Promise<number> {
  return new Promise((resolve) => {
    const du = spawn("du", ["-s", "-x", "-k", "-c", ...dirs], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    du.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    du.on("error", () => resolve(0));
    du.on("close", () => {
      const total = /^(\d+)\s+total$/m.exec(out);
      resolve(total ? Number(total[1]) * 1024 : 0);
    });
  });
}
