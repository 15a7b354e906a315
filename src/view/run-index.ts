import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { resolveTaskMeta } from "../report/build-report.js";
import { findRunPaths, parseRunFolderName } from "../report/run-folder.js";
import { registryTaskMeta, type TaskMeta } from "../report/task-meta.js";
import { cacheHome } from "../runtime/paths.js";
import { buildRunRow, type RunFiles, type RunRow, runFiles } from "./run-row.js";
import { TrajectoryFiles } from "./trajectory-file.js";

const CACHE_VERSION = 1;

interface Cached {
  signature: string;
  row: RunRow;
}

/** Options of {@link RunIndex}. */
export interface RunIndexOptions {
  /** Folder of the on-disk index cache; null keeps it in memory only. Default `<cacheHome>/view`. */
  cacheDir?: string | null;
}

/**
 * The run list of a runs folder, indexed once: each run's row is rebuilt only when the sizes or mtimes of its
 * `results.json`, trajectory or `audit.json` change, and the rows are kept in a cache file between sessions.
 */
export class RunIndex {
  readonly root: string;
  readonly trajectories = new TrajectoryFiles();
  private rows = new Map<string, Cached>();
  private files = new Map<string, RunFiles>();
  private readonly cacheFile: string | null;
  private readonly tasks = resolveTaskMeta();
  private readonly looked = new Set<string>();
  private refreshing: Promise<RunRow[]> | undefined;
  private list: RunRow[] = [];
  /** Changes whenever a row changes (the headline tables are recomputed then). */
  version = 0;

  constructor(root: string, options: RunIndexOptions = {}) {
    this.root = resolve(root);
    const dir = options.cacheDir === undefined ? join(cacheHome(), "view") : options.cacheDir;
    this.cacheFile =
      dir === null
        ? null
        : join(dir, `${createHash("sha1").update(this.root).digest("hex").slice(0, 16)}.json`);
    this.loadCache();
  }

  private loadCache(): void {
    if (!this.cacheFile) return;
    try {
      const data = JSON.parse(readFileSync(this.cacheFile, "utf8")) as {
        version: number;
        rows: Record<string, Cached>;
      };
      if (data.version === CACHE_VERSION) this.rows = new Map(Object.entries(data.rows));
    } catch {}
  }

  private saveCache(): void {
    if (!this.cacheFile) return;
    try {
      mkdirSync(join(this.cacheFile, ".."), { recursive: true });
      const tmp = `${this.cacheFile}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify({ version: CACHE_VERSION, rows: Object.fromEntries(this.rows) }));
      renameSync(tmp, this.cacheFile);
    } catch {}
  }

  /** Absolute folder of a run id. */
  dirOf(id: string): string {
    return id === "" ? this.root : join(this.root, id);
  }

  /** The files of a listed run; undefined for an id that is not a run of this folder. */
  filesOf(id: string): RunFiles | undefined {
    return this.files.get(id);
  }

  private async taskMeta(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.tasks.has(id) && !this.looked.has(id));
    for (const id of missing) this.looked.add(id);
    if (missing.length === 0) return;
    for (const [id, meta] of await registryTaskMeta(missing, {}, () => {})) this.tasks.set(id, meta);
  }

  private refreshedAt = 0;
  private partial: RunRow[] | undefined;
  /** Set while a refresh runs: how many run folders it has read of how many. */
  progress: { done: number; total: number } | undefined;

  /**
   * The current rows: refreshed unless the last refresh is younger than `maxAgeMs` (a burst of requests lists the
   * folder once). The first index of a large folder answers after `firstPageMs` with the rows read so far
   * (`progress` says how far it is); later calls see the complete list.
   */
  async fresh(maxAgeMs = 1000, firstPageMs = 250): Promise<RunRow[]> {
    if (Date.now() - this.refreshedAt < maxAgeMs) return this.list;
    const done = this.refresh();
    if (this.refreshedAt !== 0) return done;
    const early = new Promise<undefined>((ok) => setTimeout(() => ok(undefined), firstPageMs).unref());
    return (await Promise.race([done, early])) ?? [...(this.partial ?? [])];
  }

  /** Whether a refresh is under way. */
  get busy(): boolean {
    return this.refreshing !== undefined;
  }

  /** Re-lists the folder and rebuilds the rows whose files changed (one refresh at a time). */
  refresh(): Promise<RunRow[]> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<RunRow[]> {
    const paths = await findRunPaths(this.root);
    const names = paths.map((p) => basename(this.dirOf(p)));
    await this.taskMeta(names.flatMap((n) => parseRunFolderName(n)?.taskId ?? []));
    const taskOf = (id: string): TaskMeta | undefined => this.tasks.get(id);
    const rows = new Map<string, Cached>();
    const files = new Map<string, RunFiles>();
    const list: RunRow[] = [];
    let changed = paths.length !== this.rows.size;
    const now = Date.now();
    this.progress = { done: 0, total: paths.length };
    for (const [i, id] of paths.entries()) {
      // Yields now and then, so that a first page can be served from the rows indexed so far.
      if (i % 32 === 31) {
        this.progress.done = i;
        this.partial = list;
        await new Promise((ok) => setImmediate(ok));
      }
      const name = names[i] as string;
      const found = runFiles(this.dirOf(id), parseRunFolderName(name)?.taskId ?? name);
      files.set(id, found);
      const known = this.rows.get(id);
      // A running episode is rebuilt until it ends, so that its status leaves `running` after a quiet spell.
      if (known && known.signature === found.signature && known.row.exitStatus !== "running") {
        rows.set(id, known);
        list.push(known.row);
        continue;
      }
      const row = buildRunRow(id, name, found, taskOf, this.trajectories, now);
      if (!row) continue;
      changed = true;
      rows.set(id, { signature: found.signature, row });
      list.push(row);
    }
    this.progress = undefined;
    this.partial = undefined;
    this.rows = rows;
    this.files = files;
    this.refreshedAt = Date.now();
    this.list = list;
    if (changed) {
      this.version++;
      this.saveCache();
    }
    return list;
  }

  /** Rebuilds one listed run when its files changed (a page following a running episode); undefined if unknown. */
  refreshRun(id: string): RunRow | undefined {
    const known = this.rows.get(id);
    if (!known) return undefined;
    const name = basename(this.dirOf(id));
    const found = runFiles(this.dirOf(id), parseRunFolderName(name)?.taskId ?? name);
    if (found.signature === known.signature && known.row.exitStatus !== "running") return known.row;
    const row = buildRunRow(id, name, found, (t) => this.tasks.get(t), this.trajectories);
    if (!row) return known.row;
    this.rows.set(id, { signature: found.signature, row });
    this.files.set(id, found);
    const at = this.list.findIndex((r) => r.id === id);
    if (at >= 0) this.list[at] = row;
    this.version++;
    return row;
  }

  /** The rows of the last refresh. */
  current(): RunRow[] {
    return this.list;
  }

  /** A listed row by id. */
  row(id: string): RunRow | undefined {
    return this.rows.get(id)?.row;
  }
}
