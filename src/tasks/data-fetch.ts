import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { taskDataDirs } from "../config/data-cache.js";
import { parseWithSchema, readYamlFile } from "../config/yaml-file.js";
import { ConfigError } from "../errors.js";
import { DataFetchError, downloadResumable, fileDigests, type ProgressListener } from "./download.js";

/** The name of a task's data source file, next to its task YAML. */
export const FETCH_FILE = "fetch.yaml";

const hex = (length: number) =>
  z.string().regex(new RegExp(`^[0-9a-fA-F]{${length}}$`), `${length} hex digits`);

/** One file the publisher serves. */
const sourceSchema = z
  .object({
    /** Where it is downloaded from (http or https). */
    url: z.url({ protocol: /^https?$/ }),
    /** Its sha256; null when the publisher gives none (then `bytes`, and `md5` if given, are checked). */
    sha256: hex(64).nullable(),
    /** Its md5, when the publisher gives one. */
    md5: hex(32).optional(),
    /** Its size in bytes. */
    bytes: z.number().int().positive().nullish(),
    /** The file's name in the raw folder (and in a `--from` folder). */
    file: z.string().regex(/^[^/\\]+$/, "a file name, without folders"),
    /**
     * Set when the publisher gives neither a digest nor a size that could be recorded: the file is taken as it comes,
     * its sha256 is printed and recorded in the `.complete` marker, so that a later fetch can be compared with it.
     */
    unverified: z.literal(true).optional(),
  })
  .strict()
  .refine((s) => s.sha256 !== null || s.bytes || s.unverified, {
    message:
      "a source without sha256 needs bytes (its size) so that a download can be checked, or 'unverified: true' where the publisher gives neither",
    path: ["bytes"],
  });
export type DataSource = z.infer<typeof sourceSchema>;

/** `fetch.yaml`: where a task's full-scale data comes from and how it becomes the task's data folder. */
export const fetchConfigSchema = z
  .object({
    sources: z.array(sourceSchema).min(1),
    /** Script (next to fetch.yaml) run as `python <convert> <raw dir> <out dir>`; none: the sources are the data. */
    convert: z.string().min(1).optional(),
    /** What `--from <path>` accepts, for messages. */
    local_hint: z.string().optional(),
  })
  .strict();
export type FetchConfig = z.infer<typeof fetchConfigSchema>;

/** The fetch file of the task whose YAML is `taskFile`, or undefined when it has none. */
export function readFetchConfig(taskFile: string): { config: FetchConfig; file: string } | undefined {
  const file = join(dirname(taskFile), FETCH_FILE);
  if (!existsSync(file)) return undefined;
  return { config: parseWithSchema(fetchConfigSchema, readYamlFile(file), file), file };
}

/** What `mlgym data fetch` needs besides the task. */
export interface FetchOptions {
  /** A local folder holding the sources' files (or, for one source, the file itself) instead of downloading. */
  from?: string;
  /** The Python that runs the converter (the managed runtime's). */
  python: string;
  /** Status lines (which file, verified, converting). */
  log?: (line: string) => void;
  /** Download progress of one file. */
  onProgress?: (file: string, done: number, total: number | undefined) => void;
  /** Passed to the downloads (tests: short waits). */
  retryDelayMs?: number;
}

/** What the `.complete` marker records. */
export interface DataMarker {
  taskId: string;
  completedAt: string;
  sources: Array<{
    file: string;
    url: string;
    from?: string;
    bytes: number;
    sha256: string;
    md5: string;
    /** No digest or size was known to check it against (`unverified: true` in fetch.yaml). */
    unverified?: boolean;
  }>;
  convert?: string;
}

/** Checks a file against its source's size and digests; a mismatch deletes it and throws. */
async function verify(source: DataSource, path: string): Promise<DataMarker["sources"][number]> {
  const got = await fileDigests(path);
  const wrong =
    source.bytes && got.bytes !== source.bytes
      ? `size ${got.bytes}, expected ${source.bytes}`
      : source.sha256 && got.sha256 !== source.sha256.toLowerCase()
        ? `sha256 ${got.sha256}, expected ${source.sha256}`
        : source.md5 && got.md5 !== source.md5.toLowerCase()
          ? `md5 ${got.md5}, expected ${source.md5}`
          : undefined;
  if (wrong) throw new DataFetchError(`${path} is not the expected ${source.file}: ${wrong}`);
  return { file: source.file, url: source.url, ...got, ...(source.unverified ? { unverified: true } : {}) };
}

/** What is said of a file taken without a check. */
function unverifiedNote(got: DataMarker["sources"][number]): string {
  return `${got.file}: NOT verified (the publisher gives no digest or size to check it against); ${got.bytes} bytes, sha256 ${got.sha256} (recorded in the .complete marker)`;
}

/** The file of `source` in a user's `--from` path: `<folder>/<file>`, or the path itself for a single source. */
function localSource(from: string, source: DataSource, single: boolean, hint: string | undefined): string {
  const path = resolve(from);
  if (!existsSync(path)) throw new ConfigError(`'${from}' does not exist`, { field: "--from" });
  if (statSync(path).isDirectory()) {
    const inside = join(path, source.file);
    if (existsSync(inside)) return inside;
  } else if (single || basename(path) === source.file) return path;
  throw new ConfigError(
    `'${from}' does not hold ${source.file}; expected ${hint ?? `a folder holding ${source.file}`}`,
    {
      field: "--from",
    },
  );
}

/**
 * Fetches a task's full-scale data into the data cache: each source downloaded into `raw/` (resumed, verified), or
 * taken from `options.from`; then converted into `data/` with the task's converter; then the `.complete` marker with
 * the sources' digests, written last. A failure leaves no marker, so the data does not count as present.
 */
export async function fetchTaskData(
  taskId: string,
  taskFile: string,
  options: FetchOptions,
): Promise<DataMarker> {
  const found = readFetchConfig(taskFile);
  if (!found)
    throw new ConfigError(`task '${taskId}' has no ${FETCH_FILE}: its data cannot be fetched`, {
      file: join(dirname(taskFile), FETCH_FILE),
    });
  const { config, file: fetchFile } = found;
  const log = options.log ?? (() => {});
  const dirs = taskDataDirs(taskId);
  rmSync(dirs.marker, { force: true });
  mkdirSync(dirs.raw, { recursive: true });
  const sources: DataMarker["sources"] = [];
  for (const source of config.sources) {
    const target = join(dirs.raw, source.file);
    if (options.from) {
      const local = localSource(options.from, source, config.sources.length === 1, config.local_hint);
      log(`checking ${local}`);
      const checked = await verify(source, local);
      if (source.unverified) log(unverifiedNote(checked));
      if (resolve(local) !== target) copyFileSync(local, target);
      sources.push({ ...checked, from: local });
      continue;
    }
    if (existsSync(target)) {
      try {
        sources.push(await verify(source, target));
        log(`${source.file}: already downloaded and verified`);
        continue;
      } catch {
        rmSync(target, { force: true });
      }
    }
    const part = `${target}.part`;
    log(`downloading ${source.url}${existsSync(part) ? " (resuming)" : ""}`);
    const onProgress: ProgressListener = (done, total) => options.onProgress?.(source.file, done, total);
    await downloadResumable(source.url, part, {
      ...(source.bytes ? { bytes: source.bytes } : {}),
      onProgress,
      ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    });
    try {
      sources.push(await verify(source, part));
    } catch (error) {
      rmSync(part, { force: true }); // a wrong file is never resumed
      throw error;
    }
    renameSync(part, target);
    log(source.unverified ? unverifiedNote(sources.at(-1)!) : `${source.file}: verified`);
  }
  convert(config, fetchFile, dirs, options.python, log);
  const marker: DataMarker = {
    taskId,
    completedAt: new Date().toISOString(),
    sources,
    ...(config.convert ? { convert: config.convert } : {}),
  };
  writeFileSync(dirs.marker, `${JSON.stringify(marker, null, 2)}\n`);
  log(`${taskId}: data ready in ${dirs.data}`);
  return marker;
}

/** Builds `data/` from `raw/` (into a fresh folder renamed at the end, so a failed conversion leaves none). */
function convert(
  config: FetchConfig,
  fetchFile: string,
  dirs: ReturnType<typeof taskDataDirs>,
  python: string,
  log: (line: string) => void,
): void {
  const building = `${dirs.data}.partial`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  if (config.convert) {
    const script = join(dirname(fetchFile), config.convert);
    if (!existsSync(script))
      throw new ConfigError(`converter '${config.convert}' not found next to ${FETCH_FILE}`, {
        file: fetchFile,
        field: "convert",
      });
    log(`converting with ${config.convert}`);
    const run = spawnSync(python, [script, dirs.raw, building], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (run.status !== 0) {
      rmSync(building, { recursive: true, force: true });
      const output = (run.stderr || run.stdout || run.error?.message || "")
        .trim()
        .split("\n")
        .slice(-15)
        .join("\n");
      throw new DataFetchError(
        `the converter ${script} failed (exit ${run.status ?? run.signal}):\n${output}`,
      );
    }
  } else {
    for (const source of config.sources)
      copyFileSync(join(dirs.raw, source.file), join(building, source.file));
  }
  rmSync(dirs.data, { recursive: true, force: true });
  renameSync(building, dirs.data);
}

/** The marker of a task's fetched data, when it is complete. */
export function readDataMarker(taskId: string): DataMarker | undefined {
  const { marker, data } = taskDataDirs(taskId);
  if (!existsSync(marker) || !existsSync(data)) return undefined;
  try {
    return JSON.parse(readFileSync(marker, "utf8")) as DataMarker;
  } catch {
    return undefined;
  }
}

/** Bytes under a folder (or of a file), following no symlinks. */
export function sizeOf(path: string): number {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}
