import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative, sep } from "node:path";
import type { TaskSpec } from "../config/load-task.js";
import { ConfigError } from "../errors.js";
import type { Mount } from "../sandbox/sandbox.js";
import { HiddenLines } from "./evaluation-output.js";
import { stripOriginalHeaders } from "./original-headers.js";

/** Host folders of one episode and the mounts that shape what the agent and the evaluation see. */
export interface EpisodeLayout {
  root: string;
  homeDir: string;
  workspaceDir: string;
  /** Seen by the agent: public data, read-only evaluation files. */
  mounts: Mount[];
  /** Seen only by evaluations: the full data including hidden files. */
  evaluationMounts: Mount[];
  /** The evaluation's folder, relative to it: the data (hidden files included) and the trusted evaluation files. */
  evaluationView: Mount[];
}

/** Creates a fresh episode folder (under `parent`, default the system temp folder). */
export function createEpisodeRoot(taskId: string, parent?: string): string {
  const base = parent ?? tmpdir();
  mkdirSync(base, { recursive: true });
  return mkdtempSync(join(base, `mlgym-${taskId}-`));
}

/** The single local data folder of a task (several local datasets are merged into one `data/`). */
function localDataDirs(spec: TaskSpec): string[] {
  return spec.datasets.flatMap((d) => (d.localPath ? [d.localPath] : []));
}

/** Checks that every hidden file is a `data/...` file of a local dataset and returns their data-relative paths. */
export function hiddenDataPaths(spec: TaskSpec): string[] {
  const hidden = [...spec.config.hidden_files, ...spec.config.secret_files];
  const dataDirs = localDataDirs(spec);
  return hidden.map((path, i) => {
    const rel = path.replace(/^\.\//, "");
    if (!rel.startsWith("data/")) {
      throw new ConfigError(`hidden file '${path}' must lie under data/ (a local dataset)`, {
        file: spec.file,
        field: `hidden_files.${i}`,
      });
    }
    const inData = rel.slice("data/".length);
    if (!dataDirs.some((d) => existsSync(join(d, inData)))) {
      throw new ConfigError(
        `hidden file '${path}' is not in any local dataset (${dataDirs.join(", ") || "none"})`,
        {
          file: spec.file,
          field: `hidden_files.${i}`,
        },
      );
    }
    return inData;
  });
}

/** The host file behind a workspace-relative path of the starter code (e.g. the trusted copy of evaluate.py). */
export function starterHostPath(spec: TaskSpec, workspacePath: string, field: string): string {
  const [first, ...rest] = workspacePath.replace(/^\.\//, "").split("/");
  for (const s of spec.starterCode) {
    if (s.name !== first) continue;
    const host = join(s.hostPath, ...rest);
    if (existsSync(host)) return host;
  }
  throw new ConfigError(`'${workspacePath}' is not provided by the starter code`, { file: spec.file, field });
}

function copyPublicData(dirs: string[], hidden: string[], target: string): void {
  mkdirSync(target, { recursive: true });
  for (const dir of dirs) {
    cpSync(dir, target, {
      recursive: true,
      filter: (src) => {
        const rel = relative(dir, src).split(sep).join("/");
        return !hidden.some((h) => rel === h || rel.startsWith(`${h}/`));
      },
    });
  }
}

/**
 * Lays out an episode: the workspace with the starter code copied flat, a public copy of the data without hidden
 * files (mounted read-only at `workspace/data`), the trusted evaluation files mounted read-only over their copies,
 * and the full data for evaluations only.
 */
export function prepareEpisode(spec: TaskSpec, root: string): EpisodeLayout {
  const homeDir = join(root, "home");
  const workspaceDir = join(homeDir, "workspace");
  rmSync(homeDir, { recursive: true, force: true });
  mkdirSync(workspaceDir, { recursive: true });
  for (const s of spec.starterCode) {
    cpSync(s.hostPath, join(workspaceDir, s.name), { recursive: true });
    if (spec.asRecorded) stripOriginalHeaders(join(workspaceDir, s.name));
  }

  const mounts: Mount[] = [];
  const evaluationMounts: Mount[] = [];
  const evaluationView: Mount[] = [];
  const dataDirs = localDataDirs(spec);
  if (dataDirs.length > 0) {
    const hidden = hiddenDataPaths(spec);
    const publicData = join(root, "data-public");
    rmSync(publicData, { recursive: true, force: true });
    copyPublicData(dataDirs, hidden, publicData);
    mkdirSync(join(workspaceDir, "data"), { recursive: true });
    mounts.push({ hostPath: publicData, path: "workspace/data", readOnly: true });
    if (hidden.length > 0) {
      const fullData = dataDirs.length === 1 ? dataDirs[0]! : join(root, "data-full");
      if (dataDirs.length > 1) copyPublicData(dataDirs, [], fullData);
      evaluationMounts.push({ hostPath: fullData, path: "workspace/data", readOnly: true });
      evaluationView.push({ hostPath: fullData, path: "data", readOnly: true });
    } else {
      evaluationView.push({ hostPath: publicData, path: "data", readOnly: true });
    }
  }
  spec.config.evaluation_paths.forEach((path, i) => {
    const host = starterHostPath(spec, path, `evaluation_paths.${i}`);
    const inside = `workspace/${path.replace(/^\.\//, "")}`;
    const mount = { hostPath: host, path: inside, readOnly: true };
    // The agent reads what the original's agents read (see original-headers.ts); evaluations run the trusted file.
    mounts.push(spec.asRecorded ? { ...mount, hostPath: asRecordedCopy(host, root, i) } : mount);
    // Evaluations always run the trusted copy, even where the agent's copy could be changed (local backend).
    evaluationMounts.push(mount);
    evaluationView.push({ hostPath: host, path: path.replace(/^\.\//, ""), readOnly: true });
  });
  return { root, homeDir, workspaceDir, mounts, evaluationMounts, evaluationView };
}

/** A copy of a trusted evaluation file as the original's recorded runs saw it, in the episode's folder. */
function asRecordedCopy(host: string, root: string, index: number): string {
  const dir = join(root, "as-recorded", String(index));
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, basename(host));
  cpSync(host, copy, { recursive: true });
  stripOriginalHeaders(copy);
  // The original made its evaluation files read-only and executable (`-r-xr-xr-x`, `evaluate.py*` under `ls -F`).
  if (statSync(copy).isFile()) chmodSync(copy, 0o555);
  return copy;
}

/** Removes everything in the workspace except the starter code and `data` (after a baseline run, as the original does). */
export function cleanWorkspace(spec: TaskSpec, workspaceDir: string): void {
  const keep = new Set([...spec.starterCode.map((s) => s.name), "data"]);
  for (const name of readdirSync(workspaceDir)) {
    if (keep.has(name)) continue;
    rmSync(join(workspaceDir, name), { recursive: true, force: true });
  }
}

/** The hidden files' lines (null when the task has none), read on the host, less what the public data shows. */
export function readHiddenLines(spec: TaskSpec): HiddenLines | null {
  const hidden = hiddenDataPaths(spec);
  if (hidden.length === 0) return null;
  const secret: Array<{ name: string; content: Buffer }> = [];
  const open: Buffer[] = [];
  for (const d of spec.datasets) {
    if (!d.localPath) continue;
    for (const rel of filesUnder(d.localPath)) {
      const content = readFileSync(join(d.localPath, rel));
      if (hidden.includes(rel)) secret.push({ name: rel, content });
      else if (content.length < PUBLIC_TEXT_LIMIT) open.push(content);
    }
  }
  return new HiddenLines(secret, open);
}

/** Public data files larger than this are not read to tell public lines from hidden ones. */
const PUBLIC_TEXT_LIMIT = 64 * 1024 * 1024;

/** Every regular file under `dir`, as paths relative to it (`a/b.csv`); symbolic links are not followed. */
export function filesUnder(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return filesUnder(dir, rel);
    return e.isFile() ? [rel] : [];
  });
}
