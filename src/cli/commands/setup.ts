import type { Command } from "commander";
import { collect } from "../options.js";

/** `mlgym setup`: creates the managed Python runtime (and tasks' own runtimes) and prepares the data of every task. */
export function registerSetup(program: Command): void {
  program
    .command("setup")
    .description(
      "create the managed Python runtime, tasks' own runtimes and task data (done on first use otherwise)",
    )
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--quiet", "print nothing but errors")
    .action(async (opts: { tasksDir?: string[]; quiet?: boolean }) => {
      const [
        { loadTaskSpec },
        { ensurePythonRuntime },
        { ensureTaskRuntime },
        { runPrepareScript },
        { discoverTasks },
      ] = await Promise.all([
        import("../../config/load-task.js"),
        import("../../runtime/python-runtime.js"),
        import("../../runtime/task-runtime.js"),
        import("../../tasks/prepare.js"),
        import("../../tasks/registry.js"),
      ]);
      const log = (line: string) => {
        if (!opts.quiet) process.stderr.write(`${line}\n`);
      };
      const runtime = await ensurePythonRuntime(log);
      log(`python runtime: ${runtime.dir} (Python ${runtime.version})`);
      // Every task is tried; one that cannot be prepared is reported and the others still are.
      const failed: string[] = [];
      for (const entry of discoverTasks(opts.tasksDir ?? []).values()) {
        try {
          const spec = loadTaskSpec(entry.file);
          // A task with `use_generic_conda: false` and `requirements_path` gets its own runtime over the shared one.
          const own = await ensureTaskRuntime(spec, log);
          if (own.base) log(`task runtime of ${entry.id}: ${own.dir}`);
          else if (spec.config.requirements_path)
            log(`${entry.id}: requirements_path unused (use_generic_conda is true, as in the original)`);
          if (!spec.config.prepare_script) continue;
          log(`preparing data of ${entry.id}`);
          runPrepareScript(spec, own.binDir);
        } catch (error) {
          failed.push(entry.id);
          process.stderr.write(`mlgym setup: ${entry.id}: ${(error as Error).message}\n`);
        }
      }
      if (failed.length > 0) {
        process.stderr.write(
          `mlgym setup: could not prepare ${failed.join(", ")}; the other tasks are ready\n`,
        );
        process.exitCode = 1;
        return;
      }
      log("setup complete");
    });
}
