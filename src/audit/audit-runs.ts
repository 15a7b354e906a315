import { existsSync, readdirSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { findRunFolders, parseRunFolderName } from "../report/run-folder.js";
import { type ReadTrajectory, readResults, readTrajectory } from "../trajectory/read.js";
import { type AuditFile, auditRecord, readAuditFile, writeAuditFile } from "./audit-file.js";
import { scanTrajectory } from "./scan.js";
import { TaskContexts } from "./task-context.js";

/** The audit of one run folder. */
export interface RunAudit {
  /** Relative to the runs root (the folder name for a flat tree). */
  path: string;
  audit: AuditFile;
}

/** Options of {@link auditRuns}. */
export interface AuditOptions {
  /** Extra task folders searched before the built-in tasks (the runs' task ids are looked up there). */
  tasksDirs?: readonly string[];
  /** Audit only folders without a valid `audit.json` of this version (the others are kept and not returned). */
  onlyMissing?: boolean;
}

function trajectoryFile(dir: string, taskId: string | undefined): string | undefined {
  if (taskId && existsSync(join(dir, `${taskId}.traj`))) return `${taskId}.traj`;
  return readdirSync(dir)
    .filter((n) => n.endsWith(".traj"))
    .sort()[0];
}

function recordedMetrics(dir: string, trajectory: ReadTrajectory | undefined): string[] {
  const names = new Set<string>();
  for (const score of trajectory?.info.score ?? []) for (const key of Object.keys(score)) names.add(key);
  try {
    const results = readResults(join(dir, "results.json"));
    for (const entry of [...results.agent, ...(results.baseline ? [results.baseline] : [])])
      for (const key of Object.keys(entry)) names.add(key);
  } catch {
    // no or unreadable results.json: the trajectory's scores and the task's metrics remain
  }
  return [...names];
}

/** Audits one run folder (its task found by id in `contexts`) and returns the content of its `audit.json`. */
export function auditRunFolder(dir: string, contexts: TaskContexts): AuditFile {
  const name = parseRunFolderName(basename(dir));
  const file = trajectoryFile(dir, name?.taskId);
  const taskId = name?.taskId ?? file?.replace(/\.traj$/, "") ?? basename(dir);
  if (file === undefined) {
    const ctx = contexts.context(taskId);
    return auditRecord({
      task: taskId,
      taskFile: ctx.taskFile,
      trajectory: null,
      steps: 0,
      flags: [],
      notes: ["no .traj file: nothing to audit"],
    });
  }
  let trajectory: ReadTrajectory;
  try {
    trajectory = readTrajectory(join(dir, file));
  } catch (error) {
    const ctx = contexts.context(taskId);
    return auditRecord({
      task: taskId,
      taskFile: ctx.taskFile,
      trajectory: file,
      steps: 0,
      flags: [],
      notes: [`unreadable trajectory: ${(error as Error).message}`],
    });
  }
  const ctx = contexts.context(taskId, recordedMetrics(dir, trajectory));
  return auditRecord({
    task: taskId,
    taskFile: ctx.taskFile,
    trajectory: file,
    steps: trajectory.trajectory.length,
    flags: scanTrajectory(trajectory.trajectory, ctx),
    notes: [...ctx.notes],
  });
}

/** Audits every run folder under `root` and writes `<run folder>/audit.json` beside each. */
export async function auditRuns(root: string, options: AuditOptions = {}): Promise<RunAudit[]> {
  const contexts = new TaskContexts(options.tasksDirs ?? []);
  const audits: RunAudit[] = [];
  for (const dir of await findRunFolders(root)) {
    if (options.onlyMissing && (await readAuditFile(dir)).kind === "ok") continue;
    const audit = auditRunFolder(dir, contexts);
    writeAuditFile(dir, audit);
    audits.push({ path: relative(root, dir) || basename(dir), audit });
  }
  return audits;
}
