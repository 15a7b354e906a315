import { readdir, readFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { readAuditFile } from "../audit/audit-file.js";
import type { MetricEntry } from "../metrics/types.js";
import { parsePythonJson } from "../python-json.js";
import { findRunFolders, parseRunFolderName } from "./run-folder.js";
import { summarizeTrajectory, type TrajectorySummary } from "./trajectory-summary.js";

/** One run folder as read from disk. */
export interface RunRecord {
  /** Path relative to the runs root (the folder name for a flat tree). */
  path: string;
  model: string;
  taskId: string;
  runIndex: number | undefined;
  /** `results.json` `agent` (validations then the final evaluation); undefined when unreadable or absent. */
  attempts: MetricEntry[] | undefined;
  baseline: MetricEntry | undefined;
  trajectory: TrajectorySummary | undefined;
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
  | "bad-audit";

/** A problem found in a run folder; the report skips what is named and goes on. */
export interface RunIssue {
  path: string;
  kind: IssueKind;
  message: string;
}

function isEntry(value: unknown): value is MetricEntry {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

async function readResults(dir: string, path: string, issues: RunIssue[]) {
  const text = await readTextIfExists(join(dir, "results.json"));
  if (text === undefined) {
    issues.push({ path, kind: "no-results", message: "no results.json: counted as a failed run" });
    return { attempts: undefined, baseline: undefined };
  }
  let data: unknown;
  try {
    data = parsePythonJson(text);
  } catch (error) {
    issues.push({
      path,
      kind: "bad-results",
      message: `results.json is not valid JSON (${(error as Error).message})`,
    });
    return { attempts: undefined, baseline: undefined };
  }
  const agent = isEntry(data) ? data.agent : undefined;
  const baseline = isEntry(data) && isEntry(data.baseline) ? data.baseline : undefined;
  if (!Array.isArray(agent)) {
    issues.push({
      path,
      kind: "bad-results",
      message: "results.json has no `agent` list: counted as a failed run",
    });
    return { attempts: undefined, baseline };
  }
  if (agent.length === 0) {
    issues.push({ path, kind: "empty-agent-list", message: "empty `agent` list: a failed run (no score)" });
  }
  return { attempts: agent.filter(isEntry), baseline };
}

async function readTrajectory(dir: string, taskId: string, path: string, issues: RunIssue[]) {
  let file = join(dir, `${taskId}.traj`);
  let text = await readTextIfExists(file);
  if (text === undefined) {
    const other = (await readdir(dir)).filter((n) => n.endsWith(".traj")).sort()[0];
    if (other === undefined) return undefined;
    file = join(dir, other);
    text = await readTextIfExists(file);
  }
  if (text === undefined) return undefined;
  try {
    return summarizeTrajectory(parsePythonJson(text));
  } catch (error) {
    issues.push({
      path,
      kind: "bad-trajectory",
      message: `${basename(file)} is not valid JSON (${(error as Error).message})`,
    });
    return undefined;
  }
}

/** Reads one run folder; problems become issues, never exceptions (except I/O faults on the folder itself). */
export async function readRun(
  dir: string,
  root: string,
): Promise<{ run: RunRecord | undefined; issues: RunIssue[] }> {
  const path = relative(root, dir) || basename(dir);
  const issues: RunIssue[] = [];
  const name = parseRunFolderName(basename(dir));
  if (!name) {
    issues.push({
      path,
      kind: "unparseable-name",
      message: "folder name is not `<model>__<task>__...`: skipped",
    });
    return { run: undefined, issues };
  }
  const { attempts, baseline } = await readResults(dir, path, issues);
  const trajectory = await readTrajectory(dir, name.taskId, path, issues);
  const audit = await readAuditFile(dir);
  if (audit.kind === "invalid")
    issues.push({ path, kind: "bad-audit", message: `${audit.message}: run \`mlgym audit\` again` });
  const run: RunRecord = { path, ...name, attempts, baseline, trajectory };
  if (audit.kind === "ok") run.audit = { flagged: audit.audit.flagged, flags: audit.audit.flags.length };
  return { run, issues };
}

/** How many run folders are read at once. */
const CONCURRENCY = 32;

/** Finds and reads every run folder under `root`; runs and issues come back in path order. */
export async function loadRuns(root: string): Promise<{ runs: RunRecord[]; issues: RunIssue[] }> {
  const dirs = await findRunFolders(root);
  const results: Array<Awaited<ReturnType<typeof readRun>>> = new Array(dirs.length);
  let next = 0;
  const worker = async () => {
    while (next < dirs.length) {
      const i = next++;
      results[i] = await readRun(dirs[i] as string, root);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, dirs.length) }, worker));
  return {
    runs: results.flatMap((r) => (r.run ? [r.run] : [])),
    issues: results.flatMap((r) => r.issues),
  };
}
