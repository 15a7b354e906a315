import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { HUB_COPIES_DIR, hubCacheFolder, newestHubCopy } from "../config/hub-copy.js";
import { loadTaskSpec, taskScales } from "../config/load-task.js";
import { SCALES } from "../config/task-config.js";
import { readYamlFile } from "../config/yaml-file.js";
import { ConfigError } from "../errors.js";
import { evaluationSupportDir } from "../runtime/paths.js";
import { discoverTasks, mlgymCheckoutRoot } from "./registry.js";

/** A data folder the original's dataset YAML names, and what `linkOriginalData` did about it. */
export interface DataLinkRow {
  /** The original's dataset YAML (`configs/datasets/<name>.yaml`). */
  dataset: string;
  /** The folder its `data_path` names in the checkout. */
  target: string;
  /** The task ids of the original's task YAMLs that use the dataset. */
  tasks: string[];
  /**
   * Our task whose data supplies it, that data's folder and its scale (`full` is the original's data; `small` a
   * subset in the same format, for a quick run), when one was found.
   */
  from?: { taskId: string; dir: string; scale: string };
  /** Files linked (or copied, across file systems), for `linked`. */
  files?: number;
  /** For `present` and `missing`: why. */
  reason?: string;
}

/** What `linkOriginalData` linked, found already there, and could not supply. */
export interface DataLinkReport {
  checkout: string;
  linked: DataLinkRow[];
  present: DataLinkRow[];
  missing: DataLinkRow[];
}

/** Options of `linkOriginalData`. */
export interface DataLinkOptions {
  /** Folders of our tasks to take data from (besides the built-in tasks), as `--tasks-dir`. */
  tasksDirs?: string[];
  /** Report what would be linked without touching the checkout. */
  dryRun?: boolean;
  /**
   * The managed runtime's python, to build offline copies of the Hugging Face Hub datasets the original's code loads
   * at run time (`data/hf-datasets`); without it they are reported missing.
   */
  python?: string;
}

/**
 * The Hub datasets (`is_local: false`) whose offline copy we can build from our data: the original's Fashion-MNIST
 * task and its `load_dataset("zalando-datasets/fashion_mnist")`: the keys of BUILDERS in python/mlgym_data/hub_cache.py
 * (a test holds the two lists equal; this one answers dry runs without starting Python).
 */
export const HUB_BUILDABLE: ReadonlySet<string> = new Set(["zalando-datasets/fashion_mnist"]);

/**
 * Where our data cannot stand in for the original's, though a task of the same id exists: the original's code
 * would read it and fail or score something else. Facts about the original's format, keyed by its task id.
 */
const INCOMPATIBLE: Record<string, string> = {
  "3SATTime":
    "our 3-SAT instances are our own and ship without the is_sat labels the original's evaluate.py compares against",
};

function isEmptyDir(path: string): boolean {
  return statSync(path).isDirectory() && readdirSync(path).length === 0;
}

function relativeTo(root: string, path: string): string {
  return relative(root, path) || ".";
}

/** The original's task YAMLs by the dataset YAML file name they use (`kaggleHousePrice.yaml` -> ids). */
function tasksByDataset(root: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const dir = join(root, "configs", "tasks");
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    let doc: unknown;
    try {
      doc = readYamlFile(join(dir, name));
    } catch {
      continue; // a broken task YAML names no dataset we could supply
    }
    const fields = (doc ?? {}) as { id?: unknown; dataset_configs?: unknown };
    if (typeof fields.id !== "string" || !Array.isArray(fields.dataset_configs)) continue;
    for (const path of fields.dataset_configs) {
      if (typeof path !== "string") continue;
      const key = basename(path);
      out.set(key, [...new Set([...(out.get(key) ?? []), fields.id])]);
    }
  }
  return out;
}

/**
 * Our data folder for one of the original's task ids: the data of our task of that id, at the largest scale whose
 * data is ready (the full scale is the original's data where a task has one). A reason string when there is none.
 */
function ourData(taskIds: string[], tasksDirs: string[]): NonNullable<DataLinkRow["from"]> | string {
  const ours = discoverTasks(tasksDirs);
  const id = taskIds.find((t) => ours.has(t));
  if (!id) return `no task of ours has the id ${taskIds.join(" or ")}`;
  if (INCOMPATIBLE[id]) return INCOMPATIBLE[id]!;
  const entry = ours.get(id)!;
  if (entry.problem) return entry.problem.message;
  let scales: string[];
  try {
    scales = taskScales(loadTaskSpec(entry.file, { roots: [] }).config);
  } catch (error) {
    return (error as Error).message;
  }
  const reasons: string[] = [];
  for (const scale of [...SCALES].reverse().filter((s) => scales.includes(s))) {
    try {
      const spec = loadTaskSpec(entry.file, { roots: [], scale });
      const dir = spec.datasets.find(
        (d) => d.localPath && existsSync(d.localPath) && !isEmptyDir(d.localPath),
      )?.localPath;
      if (dir) return { taskId: id, dir, scale };
      reasons.push(
        `${scale}: no data in ${spec.datasets.map((d) => d.localPath ?? d.config.data_path).join(", ")}`,
      );
    } catch (error) {
      reasons.push(`${scale}: ${(error as Error).message}`);
    }
  }
  return `our ${id} has no data ready (run \`mlgym setup\` or \`mlgym data fetch ${id}\`): ${reasons.join("; ")}`;
}

/** Hard-links (copies across file systems) every file under `from` to the same place under `to`; the count. */
function linkTree(from: string, to: string): number {
  mkdirSync(to, { recursive: true });
  let files = 0;
  for (const name of readdirSync(from)) {
    if (name.startsWith(".")) continue; // .gitignore and the like belong to our folder, not the data
    const source = join(from, name);
    const target = join(to, name);
    const stat = statSync(source);
    if (stat.isDirectory()) {
      files += linkTree(source, target);
      continue;
    }
    try {
      linkSync(source, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EXDEV" && code !== "EPERM") throw error;
      copyFileSync(source, target);
    }
    files++;
  }
  return files;
}

/**
 * Supplies the data folders a checkout of the original MLGym expects (`data/<task>/data`, named by the `data_path`
 * of its local dataset YAMLs) from the data this project prepares or fetches for its task of the same id. Files are
 * hard-linked (copied where the checkout is on another file system), so the checkout stays self-contained: its tasks
 * load with `--tasks-dir <checkout>/configs/tasks` alone. A folder already there is left as it is.
 */
export function linkOriginalData(checkout: string, options: DataLinkOptions = {}): DataLinkReport {
  const root = mlgymCheckoutRoot(checkout);
  if (!root)
    throw new ConfigError(
      `'${checkout}' is not a checkout of the original MLGym: expected the mlgym/ package beside configs/tasks and configs/datasets`,
      { field: "checkout" },
    );
  const report: DataLinkReport = { checkout: root, linked: [], present: [], missing: [] };
  const users = tasksByDataset(root);
  const datasetsDir = join(root, "configs", "datasets");
  for (const name of readdirSync(datasetsDir).sort()) {
    if (!/\.ya?ml$/.test(name)) continue;
    const file = join(datasetsDir, name);
    let doc: { data_path?: unknown; is_local?: unknown };
    try {
      doc = (readYamlFile(file) ?? {}) as typeof doc;
    } catch (error) {
      report.missing.push({ dataset: file, target: "", tasks: [], reason: (error as Error).message });
      continue;
    }
    if (typeof doc.data_path !== "string") continue;
    if (doc.is_local !== true) {
      const row = hubCopy(root, file, doc.data_path, users.get(name) ?? [], options);
      if (row) report[row[0]].push(row[1]);
      continue;
    }
    const target = resolve(root, doc.data_path);
    const tasks = users.get(name) ?? [];
    const row: DataLinkRow = { dataset: file, target, tasks };
    if (existsSync(target) && !isEmptyDir(target)) {
      report.present.push({ ...row, reason: `${relativeTo(root, target)} is already there` });
      continue;
    }
    if (tasks.length === 0) {
      report.missing.push({ ...row, reason: "no task YAML of the checkout uses this dataset" });
      continue;
    }
    const found = ourData(tasks, options.tasksDirs ?? []);
    if (typeof found === "string") {
      report.missing.push({ ...row, reason: found });
      continue;
    }
    row.from = found;
    if (!options.dryRun) {
      if (existsSync(target)) rmdirSync(target); // an empty folder left by a failed attempt
      row.files = linkTree(found.dir, target);
    }
    report.linked.push(row);
  }
  return report;
}

/**
 * The offline copy of a Hub dataset that the original's code loads at run time (`data/hf-datasets/<ns>___<name>`),
 * built from our data of the task that uses it where we can; undefined for a dataset no task uses.
 */
function hubCopy(
  root: string,
  file: string,
  repoId: string,
  tasks: string[],
  options: DataLinkOptions,
): ["linked" | "present" | "missing", DataLinkRow] | undefined {
  const folder = hubCacheFolder(repoId);
  if (!folder || tasks.length === 0) return undefined;
  const target = join(root, HUB_COPIES_DIR, folder);
  const row: DataLinkRow = { dataset: file, target, tasks };
  if (newestHubCopy(target))
    return ["present", { ...row, reason: `${relativeTo(root, target)} is already there` }];
  if (!HUB_BUILDABLE.has(repoId))
    return [
      "missing",
      {
        ...row,
        reason: `the task's code loads ${repoId} from the Hugging Face Hub at run time (needs the network); no offline copy of it is built from our data`,
      },
    ];
  const found = ourData(tasks, options.tasksDirs ?? []);
  if (typeof found === "string") return ["missing", { ...row, reason: found }];
  row.from = found;
  if (options.dryRun) return ["linked", row];
  if (!options.python)
    return ["missing", { ...row, reason: "building the offline copy needs the managed Python runtime" }];
  const built = spawnSync(
    options.python,
    ["-m", "mlgym_data.hub_cache", repoId, found.dir, join(root, HUB_COPIES_DIR)],
    {
      encoding: "utf8",
      env: {
        ...process.env,
        PYTHONPATH: evaluationSupportDir(),
        HF_DATASETS_OFFLINE: "1",
        HF_HUB_OFFLINE: "1",
      },
      timeout: 30 * 60_000,
    },
  );
  const dir = newestHubCopy(target);
  if (built.status !== 0 || !dir) {
    const why = (built.stderr || built.error?.message || "").trim().split("\n").slice(-3).join(" ");
    return ["missing", { ...row, reason: `building the offline copy of ${repoId} failed: ${why}` }];
  }
  return ["linked", { ...row, files: readdirSync(dir).length }];
}

/** The report as lines for a terminal: one per dataset, grouped by outcome. */
export function formatDataLinkReport(report: DataLinkReport, dryRun = false): string {
  const lines: string[] = [];
  const rel = (path: string) => relativeTo(report.checkout, path);
  for (const r of report.linked)
    lines.push(
      `${dryRun ? "would link" : "linked"}   ${rel(r.target)} <- ${r.from?.dir} (${r.from?.taskId}, ${r.from?.scale} scale${r.files === undefined ? "" : `, ${r.files} files`})`,
    );
  for (const r of report.present) lines.push(`present  ${rel(r.target)}`);
  for (const r of report.missing)
    lines.push(
      `missing  ${r.target ? rel(r.target) : rel(r.dataset)} (${r.tasks.join(", ") || "no task"}): ${r.reason}`,
    );
  return `${lines.join("\n")}\n`;
}
