import type { Command } from "commander";
import type { TaskCheckReport } from "../../run/tasks-check.js";
import { collect, DATA_ROOT_HELP, dataRoots, SCALE_HELP, scaleOption } from "../options.js";

interface CheckOptions {
  sandbox?: string;
  tasksDir?: string[];
  dataRoot?: string[];
  scale?: string;
  json?: boolean;
}

/** `mlgym tasks check [taskId...]`: checks tasks for the defects that ruin benchmarks; non-zero exit on any failure. */
export function registerTasksCheck(program: Command): void {
  const tasks = program.commands.find((c) => c.name() === "tasks") ?? program.command("tasks");
  tasks
    .command("check")
    .description(
      "check tasks: valid config, reproducible baseline, repeatable evaluation, sample and malformed submissions, hidden and read-only files",
    )
    .argument("[taskIds...]", "tasks to check (default: all)")
    .option(
      "--sandbox <backend>",
      "sandbox backend: local, bwrap, docker or podman (default: bwrap where it works)",
    )
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option("--scale <scale>", SCALE_HELP)
    .option("--json", "print the reports as JSON")
    .action(async (taskIds: string[], own: CheckOptions) => {
      const [{ checkTask, formatReports }, { discoverTasks }] = await Promise.all([
        import("../../run/tasks-check.js"),
        import("../../tasks/registry.js"),
      ]);
      // `tasks` has --json, --tasks-dir and --data-root too; commander gives them to it when they follow `check`
      // (the root program does not use positional options), so both levels count.
      const parent = tasks.opts<CheckOptions>();
      const scale = scaleOption(own.scale ?? parent.scale);
      const tasksDir = [...(parent.tasksDir ?? []), ...(own.tasksDir ?? [])];
      const roots = dataRoots([...(parent.dataRoot ?? []), ...(own.dataRoot ?? [])]);
      const opts = {
        ...own,
        json: own.json === true || parent.json === true,
        ...(tasksDir.length > 0 ? { tasksDir } : {}),
      };
      const found = discoverTasks(opts.tasksDir ?? []);
      const ids =
        taskIds.length > 0 ? taskIds.map((t) => t.replace(/^mlgym\//, "")) : [...found.keys()].sort();
      const reports: TaskCheckReport[] = [];
      for (const id of ids) {
        const entry = found.get(id);
        if (!entry) {
          reports.push({
            taskId: id,
            file: "",
            results: [
              {
                check: "config",
                status: "fail",
                detail: `unknown task; available: ${[...found.keys()].sort().join(", ")}`,
              },
            ],
            seconds: 0,
          });
          continue;
        }
        if (!opts.json) process.stderr.write(`checking ${id}...\n`);
        if (entry.problem) {
          reports.push({
            taskId: id,
            file: entry.file,
            results: [{ check: "config", status: "fail", detail: entry.problem.message }],
            seconds: 0,
          });
          continue;
        }
        reports.push(
          await checkTask(entry.file, {
            ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
            roots,
            ...(scale ? { scale } : {}),
          }),
        );
      }
      process.stdout.write(opts.json ? `${JSON.stringify(reports, null, 2)}\n` : formatReports(reports));
      if (reports.some((r) => r.results.some((x) => x.status === "fail"))) process.exitCode = 1;
    });
}
