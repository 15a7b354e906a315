import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Metrics } from "../config/task-config.js";
import { MLGymError } from "../errors.js";

/**
 * Snapshots of episodes, for tree search: the agent's home (workspace, installed packages, caches), the shell's
 * state (working directory, variables, functions, aliases) and the episode's bookkeeping (step, scores, seed) at a
 * step, kept on the host until deleted. A fork restores one into a new sandbox of its own; the parent and each fork
 * then change their own copies only. Not captured: processes still running (a background training run), shell
 * options, traps and open descriptors.
 */

/** The episode's bookkeeping at the snapshot, restored by a fork. */
export interface EpisodeState {
  step: number;
  scores: Metrics[];
  baseline: Metrics | undefined;
  bestForReward: number | undefined;
  lastAction: string;
  seed: number;
}

export interface Snapshot {
  readonly id: string;
  readonly taskId: string;
  /** The task file the episode was played from (a fork must play the same one). */
  readonly taskFile: string;
  readonly createdAt: string;
  readonly episode: EpisodeState;
  /** The shell's working directory, inside the sandbox. */
  readonly cwd: string;
  /** The agent's home inside the sandbox it was taken in (paths under it are moved to the fork's home). */
  readonly home: string;
  /** Bash that re-creates the shell's variables, functions and aliases (empty when they could not be read). */
  readonly shellScript: Buffer;
  /** Host folder holding the copy of the agent's home. */
  readonly homeCopy: string;
  /** What the taker attached (the server keeps the trajectory so far here). */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** A snapshot id that the store does not hold (never taken, deleted, or its store closed). */
export class SnapshotNotFoundError extends MLGymError {
  override readonly name = "SnapshotNotFoundError";
}

/** The store holds as many snapshots as it may. */
export class SnapshotLimitError extends MLGymError {
  override readonly name = "SnapshotLimitError";
}

export interface SnapshotStoreOptions {
  /** Folder of the copies (default: a fresh folder in the system temp folder). */
  root?: string;
  /** Snapshots held at once (default 64); taking one more is a SnapshotLimitError. */
  maxSnapshots?: number;
}

/** Copies a folder tree as it is (symbolic links as links, modes, times), sharing blocks where the filesystem can. */
export function copyTree(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("cp", ["-a", "--reflink=auto", "--", from, to], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 4000) stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else
        reject(new MLGymError(`copying ${from} failed (cp exit ${code}): ${stderr.trim().slice(0, 2000)}`));
    });
  });
}

/** Snapshots by id, each a folder under the store's root; `close` removes them all. */
export class SnapshotStore {
  readonly maxSnapshots: number;
  private readonly rootDir: string;
  private readonly snapshots = new Map<string, Snapshot>();
  private pending = 0;
  private closed = false;

  constructor(options: SnapshotStoreOptions = {}) {
    this.maxSnapshots = options.maxSnapshots ?? 64;
    if (options.root) mkdirSync(options.root, { recursive: true });
    this.rootDir = mkdtempSync(join(options.root ?? tmpdir(), "mlgym-snapshots-"));
  }

  /** Snapshots held now (taken and not deleted). */
  get size(): number {
    return this.snapshots.size;
  }

  /**
   * Adds a snapshot: `copyHome(dest)` must create `dest` as the copy of the agent's home. Throws SnapshotLimitError
   * when the store is full; a failed copy leaves nothing behind.
   */
  async add(
    fields: Omit<Snapshot, "id" | "createdAt" | "homeCopy">,
    copyHome: (dest: string) => Promise<void>,
  ): Promise<Snapshot> {
    if (this.closed) throw new MLGymError("the snapshot store is closed");
    if (this.snapshots.size + this.pending >= this.maxSnapshots) {
      throw new SnapshotLimitError(
        `${this.snapshots.size} snapshots are held, the most this store keeps (${this.maxSnapshots}); delete one first`,
      );
    }
    const id = randomUUID();
    const dir = join(this.rootDir, id);
    this.pending++;
    try {
      mkdirSync(dir);
      const homeCopy = join(dir, "home");
      await copyHome(homeCopy);
      const snapshot: Snapshot = { ...fields, id, createdAt: new Date().toISOString(), homeCopy };
      if (this.closed) throw new MLGymError("the snapshot store was closed while the snapshot was taken");
      this.snapshots.set(id, snapshot);
      return snapshot;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    } finally {
      this.pending--;
    }
  }

  /** The snapshot of an id, or SnapshotNotFoundError. */
  get(id: string): Snapshot {
    const snapshot = this.snapshots.get(id);
    if (!snapshot)
      throw new SnapshotNotFoundError(`no snapshot '${id}' (deleted, never taken, or taken elsewhere)`);
    return snapshot;
  }

  list(): Snapshot[] {
    return [...this.snapshots.values()];
  }

  /** Deletes a snapshot and its copy; false when there was none of that id. */
  async delete(id: string): Promise<boolean> {
    const snapshot = this.snapshots.get(id);
    if (!snapshot) return false;
    this.snapshots.delete(id);
    await rm(join(this.rootDir, id), { recursive: true, force: true });
    return true;
  }

  /** Deletes every snapshot (and the store's folder). Idempotent; synchronous, so that it can run at exit. */
  close(): void {
    this.closed = true;
    this.snapshots.clear();
    rmSync(this.rootDir, { recursive: true, force: true });
  }
}

let processStore: SnapshotStore | undefined;

/** The store of environments given none: one per process, removed when the process exits. */
export function defaultSnapshotStore(): SnapshotStore {
  if (!processStore) {
    const store = new SnapshotStore();
    processStore = store;
    process.once("exit", () => store.close());
  }
  return processStore;
}

/**
 * Names the snapshot leaves out: bash's own and read-only variables, the terminal's, the protocol's (`__mlgym*`,
 * `_m<letter><nonce>`), and those each sandbox sets for itself (the seed, the devices).
 */
const SKIPPED_VARIABLES = [
  "BASH*",
  "EUID",
  "UID",
  "PPID",
  "SHELLOPTS",
  "SHLVL",
  "RANDOM",
  "SRANDOM",
  "SECONDS",
  "LINENO",
  "HISTCMD",
  "FUNCNAME",
  "GROUPS",
  "DIRSTACK",
  "PIPESTATUS",
  "EPOCHREALTIME",
  "EPOCHSECONDS",
  "PWD",
  "OLDPWD",
  "_",
  "COLUMNS",
  "LINES",
  "OPTIND",
  "OPTARG",
  "OPTERR",
  "IFS",
  "PS1",
  "PS2",
  "PS4",
  "TMOUT",
  "LC_ALL",
  "HOSTNAME",
  "HOSTTYPE",
  "MACHTYPE",
  "OSTYPE",
  "COMP_*",
  "CUDA_VISIBLE_DEVICES",
  "MLGYM_SEED",
  "__mlgym*",
  "__MLGYM*",
].join("|");

/**
 * The trusted command that prints the shell's state as base64 of bash (variables with their attributes, as global
 * declarations; functions; aliases), in a subshell so that it changes nothing. Builtins are called as builtins, so
 * that an agent's function of the same name does not answer for them.
 */
export const CAPTURE_SHELL_STATE = [
  "( builtin set +o posix; IFS=$' \\t\\n';",
  " { for __mlgym_n in $(builtin compgen -v); do",
  `   case $__mlgym_n in ${SKIPPED_VARIABLES}) continue;; esac;`,
  "   [[ $__mlgym_n =~ ^_m[a-z][0-9a-f]{16}$ ]] && continue;",
  '   __mlgym_s=$(builtin declare -p "$__mlgym_n" 2>/dev/null) || continue;',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's parameter expansion
  "   __mlgym_f=${__mlgym_s#declare -}; __mlgym_f=${__mlgym_f%% *};",
  "   [[ $__mlgym_f == *[rn]* ]] && continue;",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's parameter expansion
  "   builtin printf '%s\\n' \"declare -g${__mlgym_s#declare}\";",
  "  done;",
  "  for __mlgym_n in $(builtin compgen -A function); do",
  '   [[ $__mlgym_n == __mlgym* ]] || builtin declare -f -- "$__mlgym_n";',
  "  done;",
  "  for __mlgym_n in $(builtin compgen -a); do",
  '   [[ $__mlgym_n == _m || $__mlgym_n == _mw ]] || builtin alias -- "$__mlgym_n";',
  "  done;",
  " } | command base64 -w0; )",
].join("\n");

/**
 * The snapshot's shell script and working directory with the old home's path replaced by the new one: where each
 * sandbox has a home of its own (the local backend), a fork must not go on working in its parent's folder.
 */
export function movedHome(snapshot: Snapshot, home: string): { cwd: string; script: Buffer } {
  if (snapshot.home === home) return { cwd: snapshot.cwd, script: snapshot.shellScript };
  const from = Buffer.from(snapshot.home, "utf8").toString("latin1");
  const to = Buffer.from(home, "utf8").toString("latin1");
  const script = Buffer.from(snapshot.shellScript.toString("latin1").replaceAll(from, to), "latin1");
  const cwd =
    snapshot.cwd === snapshot.home || snapshot.cwd.startsWith(`${snapshot.home}/`)
      ? home + snapshot.cwd.slice(snapshot.home.length)
      : snapshot.cwd;
  return { cwd, script };
}

/** Characters of base64 the captured state may have (a shell holding more is snapshotted without it). */
export const MAX_SHELL_STATE_CHARS = 48 * 1024 * 1024;
