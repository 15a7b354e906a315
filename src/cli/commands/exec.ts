import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { MLGymEnv } from "../../env/env.js";
import { ConfigError } from "../../errors.js";
import { collect, DATA_ROOT_HELP, dataRoots } from "../options.js";

interface ExecOptions {
  task?: string;
  dir?: string;
  sandbox?: string;
  tasksDir?: string[];
  dataRoot?: string[];
  timeout?: string;
}

/** Reads the actions file: a JSON array of strings. */
export function readActions(file: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new ConfigError(`not a readable JSON file (${(cause as Error).message})`, { file, cause });
  }
  if (!Array.isArray(data)) throw new ConfigError("expected a JSON array of action strings", { file });
  data.forEach((a, i) => {
    if (typeof a !== "string")
      throw new ConfigError(`expected a string, got ${typeof a}`, { file, field: `[${i}]` });
  });
  return data as string[];
}

/** `mlgym exec`: runs a JSON list of actions through the environment, one JSON line per action. */
export function registerExec(program: Command): void {
  program
    .command("exec")
    .description(
      "run the actions of a JSON array through the environment (tools + shell), printing JSON lines",
    )
    .argument("<actions.json>", "a JSON file holding an array of action strings")
    .option("--task <id>", "run in a fresh workspace of this task")
    .option("--dir <path>", "use this folder as the workspace, in place")
    .option(
      "--sandbox <backend>",
      "sandbox backend: local, bwrap, docker or podman (default: bwrap where it works)",
    )
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option("--timeout <seconds>", "timeout of ordinary commands in seconds")
    .action(async (actionsFile: string, opts: ExecOptions) => {
      if (Boolean(opts.task) === Boolean(opts.dir)) {
        throw new ConfigError("give exactly one of --task <id> or --dir <path>", { field: "--task/--dir" });
      }
      const actions = readActions(actionsFile);
      const [{ MLGymEnv }, { make }, { workspaceTaskSpec }] = await Promise.all([
        import("../../env/env.js"),
        import("../../env/make.js"),
        import("../../env/workspace-task.js"),
      ]);
      const envOptions = {
        ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
        ...(opts.timeout ? { shortTimeoutS: Number(opts.timeout) } : {}),
        // One more than the actions: the last one runs as given, without the step limit's autosubmission.
        maxSteps: actions.length + 1,
      };
      let env: MLGymEnv;
      if (opts.dir) {
        const dir = resolve(opts.dir);
        if (!existsSync(dir) || !statSync(dir).isDirectory()) {
          throw new ConfigError(`'${opts.dir}' is not a folder`, { field: "--dir" });
        }
        env = new MLGymEnv(workspaceTaskSpec(dir), { ...envOptions, workspaceDir: dir });
      } else {
        env = make(opts.task!, {
          ...envOptions,
          dataRoots: dataRoots(opts.dataRoot),
          ...(opts.tasksDir ? { tasksDirs: opts.tasksDir } : {}),
        });
      }
      try {
        await env.reset();
        for (const action of actions) {
          const result = await env.step(action);
          const line: Record<string, unknown> = {
            action,
            observation: result.observation,
            exitCode: result.info.exitCode ?? null,
          };
          if (result.info.metrics) line.metrics = result.info.metrics;
          if (result.info.exitStatus) line.exitStatus = result.info.exitStatus;
          process.stdout.write(`${JSON.stringify(line)}\n`);
          if (result.terminated || result.truncated) break;
        }
      } finally {
        await env.close();
      }
    });
}
