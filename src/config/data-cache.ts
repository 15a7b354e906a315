import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { cacheHome } from "../runtime/paths.js";

/** The `data_path` prefix that names a task's fetched full-scale data: `mlgym-data:<taskId>`. */
export const DATA_CACHE_PREFIX = "mlgym-data:";

/** Where fetched task data lives: `$MLGYM_DATA_DIR`, else `<mlgym cache>/data` (`~/.cache/mlgym/data`). */
export function dataCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.MLGYM_DATA_DIR || join(cacheHome(), "data");
}

/** A task's fetched data is not in the data cache (yet): `mlgym data fetch` gets it. */
export class MissingDataError extends ConfigError {
  override name = "MissingDataError";
}

/** The folders of one task in the data cache. */
export interface TaskDataDirs {
  /** `<cache>/<taskId>`. */
  root: string;
  /** Downloaded source files, as the publisher ships them. */
  raw: string;
  /** The converted data folder (the task's data format); `mlgym-data:<taskId>` resolves here. */
  data: string;
  /** Written last by `mlgym data fetch`, with the sources' digests: the data is complete only when it exists. */
  marker: string;
}

/** The cache folders of `taskId`. */
export function taskDataDirs(taskId: string, env: NodeJS.ProcessEnv = process.env): TaskDataDirs {
  const root = join(dataCacheRoot(env), taskId);
  return { root, raw: join(root, "raw"), data: join(root, "data"), marker: join(root, ".complete") };
}

/**
 * Resolves a `mlgym-data:<taskId>` data path to the converted data folder, which must be complete (fetched and
 * converted); otherwise a ConfigError that says how to get it.
 */
export function resolveDataCachePath(dataPath: string, file: string, field = "data_path"): string {
  const taskId = dataPath.slice(DATA_CACHE_PREFIX.length);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(taskId))
    throw new ConfigError(
      `'${dataPath}' must be ${DATA_CACHE_PREFIX}<taskId> (letters, digits, '_', '.', '-')`,
      {
        file,
        field,
      },
    );
  const dirs = taskDataDirs(taskId);
  if (!existsSync(dirs.marker) || !existsSync(dirs.data))
    throw new MissingDataError(
      `the data of '${taskId}' is not in the data cache (${dirs.data}); run \`mlgym data fetch ${taskId}\` to download it, or \`mlgym data fetch ${taskId} --from <local path>\` to take it from files you have`,
      { file, field },
    );
  return dirs.data;
}
