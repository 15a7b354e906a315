import { basename, dirname, resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
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
}

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
    .option("--sandbox <backend>", "local or bwrap (default: bwrap where it works)")
    .option("--output <dir>", "folder for run folders", "runs")
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option("--quiet", "no live display or summary: warnings and errors only")
    .option("--json", "end with a JSON summary on stdout (for scripts) instead of the readable one")
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
      await runEpisodeAtTerminal(
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
    });
}
