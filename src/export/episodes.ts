import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { readAuditFile } from "../audit/audit-file.js";
import type { Metrics } from "../config/task-config.js";
import type { Direction } from "../metrics/types.js";
import { metricValue } from "../metrics/types.js";
import { TASK_CATALOGUE } from "../report/catalogue.js";
import { findRunFolders, parseRunFolderName } from "../report/run-folder.js";
import { registryTaskMeta, type TaskMeta } from "../report/task-meta.js";
import { infrastructureFromExitStatus } from "../report/trajectory-summary.js";
import { type ReadResults, type ReadTrajectory, readResults, readTrajectory } from "../trajectory/read.js";
import { bestScore, improvementOver, stepEvaluations } from "./evaluations.js";

/** One episode (a run folder with a trajectory) with everything the exports and filters use. */
export interface ExportEpisode {
  /** The run folder relative to the runs root (its name when the root is the run folder itself). */
  run: string;
  dir: string;
  /** The id a client gave (`mlgym serve`), else the run folder's relative path. */
  episodeId: string;
  task: string;
  /** The model as the run folder names it (`claude-35-sonnet-new`, `openai-gpt-4o`), else as `args.json` does. */
  model: string;
  /** The model as `args.json` records it (`openai:gpt-4o`), when the folder has one. */
  modelId: string | undefined;
  trajectory: ReadTrajectory;
  exitStatus: string;
  /** The metric that ranks evaluations, and its direction (from the catalogue, the task YAML, or guessed). */
  metric: string | undefined;
  direction: Direction;
  /** Every evaluation of the episode in order, and the evaluations of each step. */
  scores: Metrics[];
  evaluations: Metrics[][];
  /** False when the evaluations could not all be placed on steps (a damaged trajectory). */
  evaluationsMatched: boolean;
  baselineMetrics: Metrics | undefined;
  baseline: number | undefined;
  best: number | undefined;
  /** Relative improvement of `best` over `baseline` in the task's direction (see `improvementOver`). */
  improvement: number | undefined;
  /** From `audit.json`: true when a high-severity flag was raised; undefined when the run was not audited. */
  flagged: boolean | undefined;
  /** Why the infrastructure (model API, sandbox), not the agent, ended the episode. */
  infrastructure: string | undefined;
  policyVersion: string | undefined;
  /** The agent config file `args.json` names (for the tool definitions of a tool-calling agent). */
  agentConfig: string | undefined;
}

/** A run folder that could not be read as an episode, and why. */
export interface SkippedFolder {
  run: string;
  reason: string;
}

/** Options of {@link loadEpisodes}. */
export interface LoadOptions {
  /** Extra task folders where task ids are looked up (metric, direction, baseline). */
  tasksDirs?: readonly string[];
  dataRoots?: readonly string[];
}

function trajectoryName(dir: string, taskId: string | undefined): string | undefined {
  if (taskId && existsSync(join(dir, `${taskId}.traj`))) return `${taskId}.traj`;
  return readdirSync(dir)
    .filter((n) => n.endsWith(".traj"))
    .sort()[0];
}

function readArgs(dir: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(join(dir, "args.json"), "utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function optionalResults(dir: string): ReadResults | undefined {
  if (!existsSync(join(dir, "results.json"))) return undefined;
  try {
    return readResults(join(dir, "results.json"));
  } catch {
    return undefined;
  }
}

/** A task the catalogue and the registry do not know: the first metric recorded, maximised. */
function guessedMeta(task: string, scores: Metrics[], baseline: Metrics | undefined): TaskMeta | undefined {
  const metric = Object.keys(baseline ?? scores[0] ?? {})[0];
  return metric === undefined
    ? undefined
    : { id: task, displayName: task, priorityMetric: metric, direction: "maximize" };
}

/**
 * Finds the run folders under `root` and reads each one's trajectory, `results.json`, `args.json` and
 * `audit.json` (ours, the original's, and `mlgym serve`'s `<task>__<episode_id>` folders). Folders without a
 * readable trajectory are returned as skipped, with the reason. Episodes come in path order.
 */
export async function loadEpisodes(
  root: string,
  options: LoadOptions = {},
): Promise<{ episodes: ExportEpisode[]; skipped: SkippedFolder[]; notes: string[] }> {
  const episodes: ExportEpisode[] = [];
  const skipped: SkippedFolder[] = [];
  const notes: string[] = [];
  const found: Array<{ dir: string; run: string; file: string; trajectory: ReadTrajectory }> = [];
  for (const dir of await findRunFolders(root)) {
    const run = relative(root, dir) || basename(dir);
    const name = parseRunFolderName(basename(dir));
    const file = trajectoryName(dir, name?.taskId);
    if (file === undefined) {
      skipped.push({ run, reason: "no .traj file" });
      continue;
    }
    try {
      found.push({ dir, run, file, trajectory: readTrajectory(join(dir, file)) });
    } catch (error) {
      skipped.push({ run, reason: (error as Error).message });
    }
  }
  const tasks = new Set(found.map((f) => f.file.replace(/\.traj$/, "")));
  const unknown = [...tasks].filter((id) => !TASK_CATALOGUE.has(id));
  const lookup = { tasksDirs: options.tasksDirs ?? [], dataRoots: options.dataRoots ?? [] };
  const registry = await registryTaskMeta(unknown, lookup, (note) => notes.push(note));
  for (const { dir, run, file, trajectory } of found) {
    const task = file.replace(/\.traj$/, "");
    const name = parseRunFolderName(basename(dir));
    const args = readArgs(dir);
    const modelId = typeof args.model === "string" ? args.model : undefined;
    // `mlgym serve` names folders `<task>__<episode_id>`: there the first part is the task, not a model.
    const folderModel = name && name.model !== task ? name.model : undefined;
    const results = optionalResults(dir);
    const scores = trajectory.info.score.length > 0 ? trajectory.info.score : (results?.agent ?? []);
    const baselineMetrics = results?.baseline;
    const meta = TASK_CATALOGUE.get(task) ?? registry.get(task) ?? guessedMeta(task, scores, baselineMetrics);
    const metric = meta?.priorityMetric;
    const direction = meta?.direction ?? "maximize";
    const baseline = (metric ? metricValue(baselineMetrics, metric) : undefined) ?? meta?.baseline;
    const best = bestScore(scores, metric, direction);
    const exitStatus = trajectory.info.exit_status;
    const { perStep, matched } = stepEvaluations(trajectory.trajectory, scores, exitStatus);
    const audit = await readAuditFile(dir).catch(() => ({ kind: "invalid" as const }));
    const infrastructure =
      results?.infrastructure_error?.message ??
      trajectory.info.infrastructure_error?.message ??
      infrastructureFromExitStatus(exitStatus)?.message;
    episodes.push({
      run,
      dir,
      episodeId: trajectory.info.episode_id ?? run,
      task,
      model: folderModel ?? modelId ?? "unknown",
      modelId,
      trajectory,
      exitStatus,
      metric,
      direction,
      scores,
      evaluations: perStep,
      evaluationsMatched: matched,
      baselineMetrics,
      baseline,
      best,
      improvement: improvementOver(best, baseline, direction),
      flagged: audit.kind === "ok" ? audit.audit.flagged : undefined,
      infrastructure,
      policyVersion: trajectory.info.policy_version,
      agentConfig: typeof args.agentConfig === "string" ? args.agentConfig : undefined,
    });
  }
  return { episodes, skipped, notes };
}
