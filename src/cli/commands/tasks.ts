import type { Command } from "commander";
import { collect, DATA_ROOT_HELP, dataRoots } from "../options.js";

/**
 * `mlgym tasks`: lists the tasks found in the built-in folder and in --tasks-dir folders, each validated as a run would
 * load it; an invalid one is listed with its reason and makes the exit code 2.
 */
export function registerTasks(program: Command): void {
  const tasks = program
    .command("tasks")
    .description("list the available tasks")
    .option(
      "--tasks-dir <dir>",
      "an extra folder with task YAML files (repeatable); an MLGym checkout: --tasks-dir MLGym/configs/tasks --data-root MLGym",
      collect,
    )
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option("--json", "print JSON")
    .action(async (opts: { tasksDir?: string[]; dataRoot?: string[]; json?: boolean }) => {
      const { discoverTasks, loadTaskEntry, shadowWarning } = await import("../../tasks/registry.js");
      const roots = dataRoots(opts.dataRoot);
      const entries = [...discoverTasks(opts.tasksDir ?? []).values()].sort((a, b) =>
        a.id.localeCompare(b.id),
      );
      for (const entry of entries) {
        const warning = shadowWarning(entry);
        if (warning) process.stderr.write(`mlgym: warning: ${warning}\n`);
      }
      const rows = entries.map((entry) => {
        try {
          const spec = loadTaskEntry(entry, { roots });
          const metric = spec.priorityMetric;
          return {
            id: entry.id,
            name: spec.config.name,
            kind: spec.config.task_entrypoint,
            metric: metric
              ? `${metric} (${spec.directionOf(metric) === "maximize" ? "higher" : "lower"} is better)`
              : "",
            file: entry.file,
            ...(entry.shadows ? { shadows: entry.shadows } : {}),
          };
        } catch (error) {
          return {
            id: entry.id,
            name: "",
            kind: "",
            metric: "",
            file: entry.file,
            error: (error as Error).message,
          };
        }
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      } else {
        const width = Math.max(2, ...rows.map((r) => r.id.length));
        for (const r of rows) {
          const detail = "error" in r ? `INVALID: ${r.error}` : `${r.name} | ${r.kind} | ${r.metric}`;
          process.stdout.write(`${r.id.padEnd(width)}  ${detail}\n`);
        }
        if (rows.length === 0) process.stdout.write("no tasks found\n");
      }
      if (rows.some((r) => "error" in r)) process.exitCode = 2;
    });
  tasks.enablePositionalOptions();
}
