import type { Command } from "commander";
import { loadTaskSpec } from "../../config/load-task.js";
import { ensurePythonRuntime } from "../../runtime/python-runtime.js";
import { runPrepareScript } from "../../tasks/prepare.js";
import { discoverTasks } from "../../tasks/registry.js";
import { collect } from "../options.js";

/** `mlgym setup`: creates the managed Python runtime and prepares the data of every task. */
export function registerSetup(program: Command): void {
  program
    .command("setup")
    .description("create the managed Python runtime and prepare task data (done on first use otherwise)")
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--quiet", "print nothing but errors")
    .action(async (opts: { tasksDir?: string[]; quiet?: boolean }) => {
      const log = (line: string) => {
        if (!opts.quiet) process.stderr.write(`${line}\n`);
      };
      const runtime = await ensurePythonRuntime(log);
      log(`python runtime: ${runtime.dir} (Python ${runtime.version})`);
      for (const entry of discoverTasks(opts.tasksDir ?? []).values()) {
        const spec = loadTaskSpec(entry.file);
        if (!spec.config.prepare_script) continue;
        log(`preparing data of ${entry.id}`);
        runPrepareScript(spec, runtime.binDir);
      }
      log("setup complete");
    });
}
