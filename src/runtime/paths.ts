import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (where package.json, tasks/ and tools/ live), from src/ or dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the mlgym project root");
    dir = parent;
  }
  return dir;
}

/** Where mlgym keeps caches (the Python runtime): $MLGYM_HOME, else $XDG_CACHE_HOME/mlgym, else ~/.cache/mlgym. */
export function cacheHome(): string {
  if (process.env.MLGYM_HOME) return process.env.MLGYM_HOME;
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(xdg, "mlgym");
}

/** The trusted Python package `mlgym_eval` (evaluations that call the agent's code) lives in this folder. */
export function evaluationSupportDir(): string {
  return join(projectRoot(), "python");
}
