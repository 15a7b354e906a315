import { type Dirent, existsSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ConfigError } from "../errors.js";

/** How many parent folders of a YAML file relative paths are also tried in (the original resolves against its repo root). */
const PARENT_LEVELS = 3;

/** The data roots named in `MLGYM_DATA_ROOT` (separated like `PATH`). */
export function dataRootsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.MLGYM_DATA_ROOT ?? "").split(delimiter).filter((dir) => dir.trim() !== "");
}

/** Whether `path` is `root` or lies below it (both absolute). */
function within(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** How a YAML path is looked up. */
export interface ResolveOptions {
  /** Only against the YAML's own folder (no parents, no data roots). */
  nearOnly?: boolean;
  /** A path that may not exist yet (then only where it would lie is checked). Default: it must exist. */
  mayBeMissing?: boolean;
}

/**
 * The host paths a task's YAML files may name: inside the task's folder (the task YAML's) or inside a data root the
 * user named (`--data-root`, `MLGYM_DATA_ROOT`), after resolving symlinks, so a task cannot copy or mount host files
 * from elsewhere into the agent's workspace.
 */
export class TaskPaths {
  /** The allowed folders as given (task folder first) and as real paths. */
  private readonly roots: string[];
  private readonly realRoots: string[];

  constructor(taskFile: string, dataRoots: string[] = []) {
    const taskRoot = dirname(resolve(taskFile));
    this.roots = [taskRoot, ...dataRoots.map((dir) => resolve(dir))];
    this.realRoots = this.roots.map((dir, i) => {
      const real = realpath(dir);
      if (real && statSync(real).isDirectory()) return real;
      if (i === 0) return taskRoot;
      throw new ConfigError(`data root '${dir}' is not a folder`, {
        file: taskFile,
        field: "data root (--data-root, MLGYM_DATA_ROOT)",
      });
    });
  }

  /** What paths may name, for error messages. */
  allowed(): string {
    const [task, ...data] = this.roots;
    return data.length > 0
      ? `paths must stay inside the task folder ${task} or the data roots ${data.join(", ")}`
      : `paths must stay inside the task folder ${task} (name other folders with --data-root or MLGYM_DATA_ROOT)`;
  }

  /**
   * Resolves `path` written in `yamlFile`'s field `field` to a real host path inside the allowed folders: against the
   * YAML's folder, then its parents, then the data roots (the original's `configs/tasks/*.yaml` name `datasets/..`
   * relative to `configs/` and `data/..` relative to the repository). A folder's symlinks are checked too.
   */
  resolve(path: string, yamlFile: string, field: string, options: ResolveOptions = {}): string {
    const fail = (message: string) => new ConfigError(message, { file: yamlFile, field });
    const candidates = this.candidates(path, yamlFile, options.nearOnly === true);
    const inside = candidates.filter((c) => this.lexicallyInside(c));
    if (inside.length === 0) {
      const how = isAbsolute(path) ? "is outside the allowed folders" : "leads outside the allowed folders";
      throw fail(`path '${path}' ${how}; ${this.allowed()}`);
    }
    for (const candidate of inside) {
      if (!existsSync(candidate)) continue;
      const real = realpathSync(candidate);
      if (!this.realInside(real))
        throw fail(`path '${path}' resolves to ${real} (a symlink); ${this.allowed()}`);
      this.checkLinksBelow(real, path, fail);
      return real;
    }
    if (options.mayBeMissing) return inside[0]!;
    const elsewhere = candidates.find((c) => !inside.includes(c) && existsSync(c));
    if (elsewhere) throw fail(`path '${path}' is found only at ${elsewhere}; ${this.allowed()}`);
    throw fail(`path '${path}' not found (looked in: ${inside.join(", ")})`);
  }

  private candidates(path: string, yamlFile: string, nearOnly: boolean): string[] {
    if (isAbsolute(path)) return [resolve(path)];
    const bases = [dirname(resolve(yamlFile))];
    if (!nearOnly) {
      for (let level = 0; level < PARENT_LEVELS; level++) {
        const parent = dirname(bases.at(-1)!);
        if (parent === bases.at(-1)) break;
        bases.push(parent);
      }
      bases.push(...this.roots.slice(1));
    }
    return [...new Set(bases.map((base) => resolve(base, path)))];
  }

  private lexicallyInside(path: string): boolean {
    return [...this.roots, ...this.realRoots].some((root) => within(path, root));
  }

  private realInside(path: string): boolean {
    return this.realRoots.some((root) => within(path, root));
  }

  /** Every symlink below a folder must stay inside the allowed folders too (they are copied or mounted as they are). */
  private checkLinksBelow(dir: string, shown: string, fail: (message: string) => ConfigError): void {
    const seen = new Set<string>();
    const walk = (real: string) => {
      if (seen.has(real)) return;
      seen.add(real);
      let entries: Dirent[];
      try {
        entries = readdirSync(real, { withFileTypes: true });
      } catch {
        return; // not a folder
      }
      for (const entry of entries) {
        const path = join(real, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.isSymbolicLink()) {
          // A dangling link is judged by where it points, since its target may appear later.
          const target = realpath(path);
          const pointsTo = target ?? resolve(real, readlinkSync(path));
          if (target ? !this.realInside(target) : !this.lexicallyInside(pointsTo))
            throw fail(`'${shown}' holds a symlink ${relative(dir, path)} to ${pointsTo}; ${this.allowed()}`);
          if (target) walk(target);
        }
      }
    };
    walk(dir);
  }
}
