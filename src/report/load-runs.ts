import { existsSync, readFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { metricValue } from "../metrics/types.js";
import { parsePythonJson } from "../python-json.js";
import { findRunPaths, parseRunFolderName, type RunName } from "./run-folder.js";
import type { TaskMeta } from "./task-meta.js";
import {
  type InfrastructureRecord,
  infrastructureFromExitStatus,
  infrastructureRecord,
  summarizeTrajectory,
  type TrajectorySummary,
} from "./trajectory-summary.js";

/**
 * One run folder as the report needs it. Only what the analysis uses is kept (the priority metric of each
 * attempt, not the entries; counts of action categories, not the actions), so memory grows slowly with runs.
 */
export interface RunRecord {
  /** Path relative to the runs root (the folder name for a flat tree). */
  path: string;
  model: string;
  taskId: string;
  runIndex: number | undefined;
  /**
   * The priority metric of each `results.json` `agent` entry in order (null = missing or not finite); undefined
   * when the run has no readable agent list.
   */
  values: Array<number | null> | undefined;
  /** Entries whose priority metric is a number but not a finite one (NaN, ±Infinity). */
  nonFinite: number;
  /** `results.json` `baseline` value of the priority metric. */
  baseline: number | undefined;
  trajectory: TrajectorySummary | undefined;
  /** Set when the episode ended because of infrastructure (API, sandbox), not the agent. */
  infrastructure?: InfrastructureRecord;
  /** From `audit.json` (`mlgym audit`); undefined when the run was not audited. */
  audit?: RunAuditStatus;
}

/** What the tamper audit found in a run. */
export interface RunAuditStatus {
  /** Whether any flag has severity high: `--exclude-flagged` leaves the run out. */
  flagged: boolean;
  /** Flags of any severity. */
  flags: number;
}

/** Why (part of) a run folder was left out. */
export type IssueKind =
  | "unparseable-name"
  | "no-results"
  | "bad-results"
  | "empty-agent-list"
  | "unknown-task"
  | "metric-missing"
  | "last-metric-missing"
  | "non-finite-value"
  | "bad-trajectory"
  | "bad-audit"
  | "unreadable"
  | "infrastructure-failure";

/** A problem found in a run folder; the report skips what is named and goes on. */
export interface RunIssue {
  path: string;
  kind: IssueKind;
  message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

type Read = { text: string } | { missing: true } | { error: string };

// Synchronous reads: a run folder's files are small and local, and one readFileSync costs a fraction of the
// four thread-pool round trips (open, stat, read, close) of fs.promises.readFile.
function readText(path: string, usuallyThere = false): Read {
  // Absent files are the rule for `.traj` and audit.json: asking first avoids building an exception per run;
  // results.json is nearly always there, so it is read without asking (one system call fewer per run).
  if (!usuallyThere && !existsSync(path)) return { missing: true };
  try {
    return { text: readFileSync(path, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { missing: true };
    return { error: `${basename(path)} cannot be read (${code ?? (error as Error).message})` };
  }
}

interface Results {
  values: Array<number | null> | undefined;
  nonFinite: number;
  baseline: number | undefined;
  infrastructure: InfrastructureRecord | undefined;
  present: boolean;
}

function readResults(read: Read, task: TaskMeta, path: string, issues: RunIssue[]): Results {
  const none: Results = {
    values: undefined,
    nonFinite: 0,
    baseline: undefined,
    infrastructure: undefined,
    present: false,
  };
  if ("missing" in read) {
    issues.push({ path, kind: "no-results", message: "no results.json: counted as a failed run" });
    return none;
  }
  if ("error" in read) {
    issues.push({ path, kind: "unreadable", message: `${read.error}: counted as a failed run` });
    return none;
  }
  let data: unknown;
  try {
    data = parsePythonJson(read.text);
  } catch (error) {
    issues.push({
      path,
      kind: "bad-results",
      message: `results.json is not valid JSON (${(error as Error).message})`,
    });
    return { ...none, present: true };
  }
  const metric = task.priorityMetric;
  const root = isRecord(data) ? data : {};
  const baseline = isRecord(root.baseline) ? metricValue(root.baseline, metric) : undefined;
  const infrastructure = infrastructureRecord(root.infrastructure_error, "results.json");
  const agent = root.agent;
  if (!Array.isArray(agent)) {
    issues.push({
      path,
      kind: "bad-results",
      message: "results.json has no `agent` list: counted as a failed run",
    });
    return { values: undefined, nonFinite: 0, baseline, infrastructure, present: true };
  }
  if (agent.length === 0) {
    issues.push({ path, kind: "empty-agent-list", message: "empty `agent` list: a failed run (no score)" });
  }
  let nonFinite = 0;
  const values: Array<number | null> = [];
  for (const entry of agent) {
    if (!isRecord(entry)) continue;
    const value = metricValue(entry, metric);
    if (value === undefined && typeof entry[metric] === "number") nonFinite++;
    values.push(value ?? null);
  }
  return { values, nonFinite, baseline, infrastructure, present: true };
}

async function readTrajectory(
  dir: string,
  taskId: string,
  path: string,
  lookElsewhere: boolean,
  issues: RunIssue[],
): Promise<TrajectorySummary | undefined> {
  let file = join(dir, `${taskId}.traj`);
  let read = readText(file);
  // Another `.traj` name is only looked for when results.json is missing too: listing every run folder costs
  // more than the rare folder it would help (the original and `mlgym run` both write `<taskId>.traj`).
  if ("missing" in read && lookElsewhere) {
    const names = await readdir(dir).catch(() => []);
    const other = names.filter((n) => n.endsWith(".traj")).sort()[0];
    if (other === undefined) return undefined;
    file = join(dir, other);
    read = readText(file);
  }
  if ("missing" in read) return undefined;
  if ("error" in read) {
    issues.push({ path, kind: "bad-trajectory", message: read.error });
    return undefined;
  }
  try {
    return summarizeTrajectory(parsePythonJson(read.text));
  } catch (error) {
    issues.push({
      path,
      kind: "bad-trajectory",
      message: `${basename(file)} is not valid JSON (${(error as Error).message})`,
    });
    return undefined;
  }
}

async function readAudit(dir: string, path: string, issues: RunIssue[]): Promise<RunAuditStatus | undefined> {
  const read = readText(join(dir, "audit.json"));
  if ("missing" in read) return undefined;
  // The audit's schema module is loaded only when some run has an audit.json.
  const { readAuditFile } = await import("../audit/audit-file.js");
  let audit: Awaited<ReturnType<typeof readAuditFile>>;
  try {
    audit = await readAuditFile(dir);
  } catch (error) {
    audit = { kind: "invalid", message: `audit.json cannot be read (${(error as Error).message})` };
  }
  if (audit.kind === "invalid")
    issues.push({ path, kind: "bad-audit", message: `${audit.message}: run \`mlgym audit\` again` });
  return audit.kind === "ok" ? { flagged: audit.audit.flagged, flags: audit.audit.flags.length } : undefined;
}

/**
 * Reads one run folder of a known task; problems become issues, never exceptions. Reads `results.json`,
 * `<taskId>.traj` and `audit.json` by name (no folder listing) and keeps only what the report uses; `path` is the
 * folder relative to the runs root, as reports name it.
 */
export async function readRun(
  dir: string,
  path: string,
  name: RunName,
  task: TaskMeta,
): Promise<{ run: RunRecord; issues: RunIssue[] }> {
  const issues: RunIssue[] = [];
  const results = readResults(readText(join(dir, "results.json"), true), task, path, issues);
  const trajectory = await readTrajectory(dir, name.taskId, path, !results.present, issues);
  const audit = await readAudit(dir, path, issues);
  const run: RunRecord = {
    path,
    ...name,
    values: results.values,
    nonFinite: results.nonFinite,
    baseline: results.baseline,
    trajectory,
  };
  const infrastructure =
    results.infrastructure ??
    trajectory?.infrastructure ??
    (trajectory ? infrastructureFromExitStatus(trajectory.exitStatus) : undefined);
  if (infrastructure) run.infrastructure = infrastructure;
  if (audit) run.audit = audit;
  return { run, issues };
}

/** How many run folders are read at once. */
const CONCURRENCY = 32;

/** What {@link loadRuns} found. */
export interface LoadedRuns {
  runs: RunRecord[];
  issues: RunIssue[];
  /** Every run folder found, known task or not. */
  folders: number;
}

/**
 * Finds every run folder under `root` and reads those whose task `taskOf` knows (the others become an
 * `unknown-task` note without being opened); runs and issues come back in path order.
 */
export async function loadRuns(
  root: string,
  taskOf: (taskId: string) => TaskMeta | undefined,
  prepare?: (taskIds: Iterable<string>) => Promise<void>,
): Promise<LoadedRuns> {
  // Paths relative to the root (one short string per run, kept as the run's `path`); absolute ones live briefly.
  const paths = await findRunPaths(root);
  const dirOf = (path: string) => (path === "" ? root : join(root, path));
  if (prepare) {
    const ids = new Set<string>();
    for (const path of paths) {
      const taskId = parseRunFolderName(basename(dirOf(path)))?.taskId;
      if (taskId !== undefined) ids.add(taskId);
    }
    await prepare(ids);
  }
  // Kept per folder: the record, and issues only where there are some. Model and task names are shared by all
  // runs of a model or task (one string each, not one per run): memory grows by little more than the scores.
  const results: Array<RunRecord | { run?: RunRecord; issues: RunIssue[] }> = new Array(paths.length);
  const names = new Map<string, string>();
  const shared = (s: string) => {
    const known = names.get(s);
    if (known !== undefined) return known;
    names.set(s, s);
    return s;
  };
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      const path = paths[i] as string;
      const dir = dirOf(path);
      const read = await readFolder(dir, path || basename(dir), taskOf);
      if (read.run) {
        read.run.model = shared(read.run.model);
        read.run.taskId = shared(read.run.taskId);
      }
      results[i] = read.run && read.issues.length === 0 ? read.run : read;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, paths.length) }, worker));
  const runs: RunRecord[] = [];
  const issues: RunIssue[] = [];
  for (const r of results) {
    if (!("issues" in r)) {
      runs.push(r);
      continue;
    }
    if (r.run) runs.push(r.run);
    issues.push(...r.issues);
  }
  return { runs, issues, folders: paths.length };
}

async function readFolder(
  dir: string,
  path: string,
  taskOf: (taskId: string) => TaskMeta | undefined,
): Promise<{ run?: RunRecord; issues: RunIssue[] }> {
  const name = parseRunFolderName(basename(dir));
  if (!name) {
    const message = "folder name is not `<model>__<task>__...`: skipped";
    return { issues: [{ path, kind: "unparseable-name", message }] };
  }
  const task = taskOf(name.taskId);
  if (!task) {
    const message = `task '${name.taskId}' is not known (not built in, not in --tasks-dir, --tasks-meta): skipped`;
    return { issues: [{ path, kind: "unknown-task", message }] };
  }
  try {
    return await readRun(dir, path, name, task);
  } catch (error) {
    // Whatever the folder holds, the report goes on without it.
    return { issues: [{ path, kind: "unreadable", message: `cannot be read: ${(error as Error).message}` }] };
  }
}
