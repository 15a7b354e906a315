import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { auditFileSchema } from "../audit/audit-file.js";
import { normalizeExitStatus } from "../metrics/exit-status.js";
import { type Direction, metricValue } from "../metrics/types.js";
import { parsePythonJson } from "../python-json.js";
import { parseRunFolderName } from "../report/run-folder.js";
import type { TaskMeta } from "../report/task-meta.js";
import type { TrajectoryFiles } from "./trajectory-file.js";

/** One run of the list: what the filters, sorting and the list's columns use. */
export interface RunRow {
  /** Folder relative to the runs root (`""` when the root is itself a run). */
  id: string;
  model: string;
  taskId: string;
  runIndex: number | null;
  metric: string;
  direction: Direction;
  baseline: number | null;
  best: number | null;
  last: number | null;
  attempts: number;
  /** Normalised exit status; `running` while an episode without one is still being written. */
  exitStatus: string;
  steps: number;
  cost: number | null;
  tokensSent: number | null;
  tokensReceived: number | null;
  apiCalls: number | null;
  /** Rule ids of the audit's flags (unique), empty when not audited or clean. */
  auditFlags: string[];
  /** Whether the audit found a high-severity flag; null when the run has no audit.json. */
  flagged: boolean | null;
  infrastructure: string | null;
  /** Name of the trajectory file inside the folder; null when there is none. */
  trajectory: string | null;
}

/** The files of a run folder, and their change signature (sizes and mtimes). */
export interface RunFiles {
  results: string | null;
  trajectory: string | null;
  audit: string | null;
  signature: string;
  /** Latest mtime of the run's files (ms). */
  mtimeMs: number;
}

/** How long a trajectory without an exit status counts as running after its last write. */
const RUNNING_WINDOW_MS = 120_000;

function stamp(file: string): [string, number] {
  try {
    const s = statSync(file);
    return [`${s.size}:${s.mtimeMs}`, s.mtimeMs];
  } catch {
    return ["-", 0];
  }
}

/** Finds `results.json`, the trajectory (`<taskId>.traj`, else the first `.traj`) and `audit.json` of a folder. */
export function runFiles(dir: string, taskId: string): RunFiles {
  const results = join(dir, "results.json");
  let trajectory: string | null = join(dir, `${taskId}.traj`);
  if (!existsSync(trajectory)) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {}
    const other = names.filter((n) => n.endsWith(".traj")).sort()[0];
    trajectory = other === undefined ? null : join(dir, other);
  }
  const audit = join(dir, "audit.json");
  const parts = [results, trajectory, audit].map((f) => (f === null ? (["-", 0] as const) : stamp(f)));
  return {
    results: parts[0]?.[0] === "-" ? null : results,
    trajectory: parts[1]?.[0] === "-" ? null : trajectory,
    audit: parts[2]?.[0] === "-" ? null : audit,
    signature: parts.map((p) => p[0]).join("|"),
    mtimeMs: Math.max(...parts.map((p) => p[1])),
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function finite(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** The parsed `results.json` (`{}` when missing or unreadable). */
export function readResultsFile(file: string | null): Record<string, unknown> {
  if (file === null) return {};
  try {
    return record(parsePythonJson(readFileSync(file, "utf8")));
  } catch {
    return {};
  }
}

/** The priority metric of a run: the task's, else the first metric its results name. */
export function metricOf(task: TaskMeta | undefined, results: Record<string, unknown>): [string, Direction] {
  if (task) return [task.priorityMetric, task.direction];
  const agent = Array.isArray(results.agent) ? results.agent : [];
  const first = Object.keys(record(agent[0] ?? results.baseline))[0];
  return [first ?? "score", "maximize"];
}

/** The audit file, or undefined when absent or invalid. */
export function readAudit(file: string | null) {
  if (file === null) return undefined;
  try {
    const parsed = auditFileSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the list row of one run folder; never throws for bad content (it shows as missing values). */
export function buildRunRow(
  id: string,
  folderName: string,
  files: RunFiles,
  taskOf: (id: string) => TaskMeta | undefined,
  trajectories: TrajectoryFiles,
  now = Date.now(),
): RunRow | undefined {
  const name = parseRunFolderName(folderName);
  if (!name && files.results === null && files.trajectory === null) return undefined;
  const taskId = name?.taskId ?? folderName;
  const results = readResultsFile(files.results);
  const task = taskOf(taskId);
  const [metric, direction] = metricOf(task, results);
  const agent = Array.isArray(results.agent) ? results.agent : [];
  const values = agent.map((e) => metricValue(record(e), metric)).filter((v): v is number => v !== undefined);
  const better = (a: number, b: number) => (direction === "minimize" ? a < b : a > b);
  const best = values.reduce<number | null>((acc, v) => (acc === null || better(v, acc) ? v : acc), null);
  const baseline = metricValue(record(results.baseline), metric) ?? task?.baseline ?? null;
  let info: Record<string, unknown> = {};
  let steps = 0;
  let lastAction: string | undefined;
  if (files.trajectory) {
    try {
      ({ info, steps, lastAction } = trajectories.summary(files.trajectory));
    } catch {}
  }
  const stats = record(info.model_stats);
  const rawStatus = typeof info.exit_status === "string" ? info.exit_status : undefined;
  const running = files.trajectory !== null && !rawStatus && now - files.mtimeMs < RUNNING_WINDOW_MS;
  const audit = readAudit(files.audit);
  const infra = record(results.infrastructure_error ?? info.infrastructure_error);
  return {
    id,
    model: name?.model ?? "",
    taskId,
    runIndex: name?.runIndex ?? null,
    metric,
    direction,
    baseline,
    best,
    last: values.at(-1) ?? null,
    attempts: agent.length,
    exitStatus: running
      ? "running"
      : files.trajectory
        ? normalizeExitStatus(rawStatus, lastAction)
        : "no trajectory",
    steps,
    cost: finite(stats.total_cost),
    tokensSent: finite(stats.tokens_sent),
    tokensReceived: finite(stats.tokens_received),
    apiCalls: finite(stats.api_calls),
    auditFlags: audit ? [...new Set(audit.flags.map((f) => f.rule))] : [],
    flagged: audit ? audit.flagged : null,
    infrastructure: typeof infra.kind === "string" ? infra.kind : null,
    trajectory: files.trajectory ? (files.trajectory.split("/").pop() ?? null) : null,
  };
}
