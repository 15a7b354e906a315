import { existsSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import type { ReadTrajectory } from "../../trajectory/read.js";
import { collect, DATA_ROOT_HELP, dataRoots, numberOption } from "../options.js";

interface ReplayOptions {
  task?: string;
  agentConfig?: string;
  maxSteps: string;
  timeLimit?: string;
  sandbox?: string;
  output: string;
  tasksDir?: string[];
  dataRoot?: string[];
  quiet?: boolean;
  json?: boolean;
  verify?: boolean;
  tolerance?: string;
}

/** The tolerance of `--verify` when the task declares none: the final score must agree to 4 decimals. */
export const DEFAULT_VERIFY_TOLERANCE = 1e-4;

/** The original's workspace, which recorded observations name. */
const ORIGINAL_WORKSPACE = "/home/agent/workspace";

const TEMPERATURE = 0;
const TOP_P = 0.95;

/** The original's run folder (`<model>__<task>__...`) a trajectory sits in, if it does. */
function runFolderOf(file: string): string | undefined {
  const folder = basename(dirname(resolve(file)));
  return folder.split("__").length >= 3 ? folder : undefined;
}

/** `--task`, else the file name `<taskId>.traj`, else the run folder `<model>__<taskId>__...`, if a known task. */
export async function replayTaskId(
  file: string,
  task: string | undefined,
  tasksDirs: string[] = [],
): Promise<string> {
  if (task) return task;
  const { discoverTasks } = await import("../../tasks/registry.js");
  const known = discoverTasks(tasksDirs);
  const stem = basename(file).replace(/\.[^.]*$/, "");
  const fromFolder = runFolderOf(file)?.split("__")[1];
  for (const candidate of [stem, fromFolder]) if (candidate && known.has(candidate)) return candidate;
  throw new ConfigError(
    `cannot tell the task from the file name '${basename(file)}' or its folder; pass --task <id>; available: ${[...known.keys()].sort().join(", ")}`,
    { file, field: "--task" },
  );
}

/**
 * The tolerance of the built-in task of this id when it is on the same metric: the original's task YAMLs declare
 * none, and their games are as random there as here.
 */
async function builtinTolerance(id: string, metric: string | undefined): Promise<number | undefined> {
  const { discoverTasks, loadTaskEntry } = await import("../../tasks/registry.js");
  const entry = discoverTasks([]).get(id);
  try {
    const builtin = entry ? loadTaskEntry(entry) : undefined;
    return builtin && builtin.priorityMetric === metric ? builtin.config.tolerance : undefined;
  } catch {
    return undefined; // a built-in that does not load (its data not prepared) has no say here
  }
}

/** A path to a folder named `workspace` (the replay's, wherever its sandbox puts it). */
const WORKSPACE_PATH = /(?:\/[^\s/'"`:]+)+\/workspace(?=[/\s'"`:)\]]|$)/g;

/**
 * `--verify`: the replay's trajectory against the recorded one; prints the table (or a JSON line) and makes the exit
 * code 1 when the final score did not reproduce (unless the episode already set a code of its own).
 */
async function verify(
  recorded: ReadTrajectory,
  trajectoryFile: string,
  task: { taskId: string; tasksDirs: string[]; roots: string[] },
  tolerance: number | undefined,
  json: boolean,
): Promise<void> {
  const [{ formatVerification, verifyReplay }, { readTrajectory }, { loadTask }] = await Promise.all([
    import("../../models/replay.js"),
    import("../../trajectory/read.js"),
    import("../../tasks/registry.js"),
  ]);
  if (!existsSync(trajectoryFile)) return; // the episode failed before its first step; its exit code says so
  const spec = loadTask(task.taskId, task.tasksDirs, { roots: task.roots });
  const result = verifyReplay(recorded, readTrajectory(trajectoryFile), {
    ...(spec.priorityMetric ? { metric: spec.priorityMetric } : {}),
    tolerance:
      tolerance ??
      spec.config.tolerance ??
      (await builtinTolerance(spec.config.id, spec.priorityMetric)) ??
      DEFAULT_VERIFY_TOLERANCE,
    // Recorded observations name the original's workspace; the replay's may lie elsewhere (the local sandbox).
    normalize: (text) => text.replace(WORKSPACE_PATH, ORIGINAL_WORKSPACE),
  });
  process.stdout.write(json ? `${JSON.stringify({ verification: result })}\n` : formatVerification(result));
  if (!result.ok && !process.exitCode) process.exitCode = 1;
}

/** `mlgym replay`: re-executes the recorded actions of a `.traj` in a fresh environment of its task. */
export function registerReplay(program: Command): void {
  program
    .command("replay")
    .description("re-execute the actions of a trajectory (ours or the original's) in a fresh environment")
    .argument("<file>", "a .traj file (or the original's YAML history variant)")
    .option("--task <id>", "task to replay on (default: from the file or run folder name)")
    .option("--agent-config <file>", "agent YAML (default: agents/default.yaml)")
    .option("--max-steps <n>", "actions before the episode is autosubmitted", "50")
    .option("--time-limit <seconds>", "wall-clock limit of the episode")
    .option("--sandbox <backend>", "local, bwrap, docker or podman (default: bwrap where it works)")
    .option("--output <dir>", "folder for run folders", "runs")
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option("--quiet", "no live display or summary: warnings and errors only")
    .option("--json", "end with a JSON summary on stdout (for scripts) instead of the readable one")
    .option(
      "--verify",
      "compare each observation and evaluation with the recorded ones, print a table, and exit 1 when the final score differs beyond the tolerance",
    )
    .option(
      "--tolerance <x>",
      `absolute tolerance of --verify on the priority metric (default: the task's, else the built-in task's of its id, else ${DEFAULT_VERIFY_TOLERANCE})`,
    )
    .action(async (file: string, opts: ReplayOptions) => {
      const [
        { loadAgentConfig },
        { ReplayModel },
        { assistantResponses, readTrajectory },
        { runEpisodeAtTerminal },
      ] = await Promise.all([
        import("../../agent/config.js"),
        import("../../models/replay.js"),
        import("../../trajectory/read.js"),
        import("../episode-output.js"),
      ]);
      const traj = readTrajectory(file);
      const taskId = await replayTaskId(file, opts.task, opts.tasksDir);
      const source = runFolderOf(file) ?? basename(file).replace(/\.[^.]*$/, "");
      const responses = assistantResponses(traj);
      const model = new ReplayModel(responses, source);
      const config = loadAgentConfig(opts.agentConfig);
      const maxSteps = numberOption(opts.maxSteps, "--max-steps", 1)!;
      const timeLimit = numberOption(opts.timeLimit, "--time-limit", 1);
      const tolerance = numberOption(opts.tolerance, "--tolerance", 0);
      const summary = await runEpisodeAtTerminal(
        {
          taskId,
          model,
          config,
          output: opts.output,
          maxSteps,
          ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
          ...(opts.tasksDir ? { tasksDirs: opts.tasksDir } : {}),
          dataRoots: dataRoots(opts.dataRoot),
          temperature: TEMPERATURE,
          topP: TOP_P,
          limits: timeLimit !== undefined ? { timeLimitS: timeLimit } : {},
          args: {
            replayOf: resolve(file),
            recordedResponses: responses.length,
            recordedExitStatus: traj.info.exit_status,
          },
          announce: (env, outputDir) =>
            `mlgym: replaying ${responses.length} recorded responses of ${file} on ${env.spec.config.id}, writing ${outputDir}`,
        },
        opts,
      );
      if (opts.verify) {
        const load = { tasksDirs: opts.tasksDir ?? [], roots: dataRoots(opts.dataRoot) };
        await verify(traj, summary.trajectory, { taskId, ...load }, tolerance, opts.json === true);
      }
    });
}
