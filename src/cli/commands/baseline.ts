import type { Command } from "commander";
import type { Metrics } from "../../config/task-config.js";
import { collect, DATA_ROOT_HELP, dataRoots, SCALE_HELP, scaleOption } from "../options.js";

function formatMetrics(metrics: Metrics): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toPrecision(6)}`)
    .join(" ");
}

interface BaselineOptions {
  json?: boolean;
  sandbox?: string;
  tasksDir?: string[];
  dataRoot?: string[];
  scale?: string;
}

/** `mlgym baseline <taskId>`: runs a task's baseline in a fresh sandbox and prints the metrics it scores. */
export function registerBaseline(program: Command): void {
  program
    .command("baseline")
    .description("run a task's baseline in a fresh sandbox, evaluate it and print the metrics")
    .argument("<taskId>", "the task, e.g. battleOfSexes")
    .option("--json", 'print {"taskId": ..., "metrics": {...}}')
    .option(
      "--sandbox <backend>",
      "sandbox backend: local, bwrap, docker or podman (default: bwrap where it works)",
    )
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option("--scale <scale>", SCALE_HELP)
    .action(async (taskId: string, opts: BaselineOptions) => {
      const [{ make }, { baselineIsRecorded, runBaseline }] = await Promise.all([
        import("../../env/make.js"),
        import("../../run/baseline.js"),
      ]);
      const scale = scaleOption(opts.scale);
      const env = make(taskId, {
        dataRoots: dataRoots(opts.dataRoot),
        ...(scale ? { scale } : {}),
        ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
        ...(opts.tasksDir ? { tasksDirs: opts.tasksDir } : {}),
      });
      try {
        await env.reset();
        const metrics = await runBaseline(env);
        const id = env.spec.config.id;
        const recordedOnly = baselineIsRecorded(env.spec.config);
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ taskId: id, scale: env.spec.scale ?? "small", metrics, recordedOnly })}\n`,
          );
          return;
        }
        const recorded = env.spec.config.baseline_scores[0];
        if (recordedOnly) {
          process.stdout.write(
            `${id}: ${formatMetrics(metrics)} (no baseline code: the task's recorded baseline_scores, nothing was run)\n`,
          );
          return;
        }
        process.stdout.write(`${id}: ${formatMetrics(metrics)}\n`);
        // Our tasks say which scale's recording this is; the original's (from a checkout) have no scales.
        const scaleNote = env.spec.asRecorded ? "" : ` (${env.spec.scale ?? "small"} scale)`;
        if (recorded) process.stdout.write(`recorded baseline${scaleNote}: ${formatMetrics(recorded)}\n`);
      } finally {
        await env.close();
      }
    });
}
