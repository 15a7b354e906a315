import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { TaskPaths } from "./task-paths.js";

/**
 * An offline copy of a Hugging Face Hub dataset, in the `datasets` library's cache layout
 * (`<cache>/<namespace>___<name>/default/0.0.0/<hash>/`), that `mlgym data link` builds in a checkout of the
 * original from our data (python/mlgym_data/hub_cache.py). With it mounted and the Hub switched off
 * (HF_DATASETS_OFFLINE), `load_dataset("<namespace>/<name>")` in a task's code reads it.
 */
export interface HubCopy {
  /** The Hub repository id (`zalando-datasets/fashion_mnist`). */
  repoId: string;
  /** The host folder of the copy (the `<hash>` folder: the split files and dataset_info.json). */
  hostDir: string;
  /** Its path under a datasets cache root: `<namespace>___<name>/default/0.0.0/<hash>`. */
  cachePath: string;
}

/** Where `mlgym data link` writes the offline copies, relative to the checkout's root. */
export const HUB_COPIES_DIR = "data/hf-datasets";

/** `namespace/name` -> `namespace___name`, the folder the datasets cache keeps a Hub dataset in. */
export function hubCacheFolder(repoId: string): string | undefined {
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(repoId);
  return m ? `${m[1]}___${m[2]}` : undefined;
}

/** The newest complete copy (a folder with dataset_info.json) under a dataset's cache folder. */
export function newestHubCopy(datasetFolder: string): string | undefined {
  const versions = join(datasetFolder, "default", "0.0.0");
  if (!existsSync(versions)) return undefined;
  const copies = readdirSync(versions)
    .filter((name) => !name.startsWith(".") && existsSync(join(versions, name, "dataset_info.json")))
    .map((name) => ({ name, at: statSync(join(versions, name)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  return copies[0] ? join(versions, copies[0].name) : undefined;
}

/**
 * The offline copy of a Hub dataset that a data root (or the folders above the dataset YAML) holds, found the way
 * the original's `data/...` paths are; undefined where there is none or `dataPath` is no repo id.
 */
export function findHubCopy(dataPath: string, paths: TaskPaths, yamlFile: string): HubCopy | undefined {
  const folder = hubCacheFolder(dataPath);
  if (!folder) return undefined;
  let root: string;
  try {
    root = paths.resolve(join(HUB_COPIES_DIR, folder), yamlFile, "data_path");
  } catch {
    return undefined; // not built, or outside the allowed folders
  }
  const hostDir = newestHubCopy(root);
  if (!hostDir) return undefined;
  return { repoId: dataPath, hostDir, cachePath: join(folder, relative(root, hostDir)) };
}
