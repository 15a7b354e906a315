import type { Command } from "commander";
import { collect, DATA_ROOT_HELP, dataRoots } from "../options.js";

interface DataOptions {
  tasksDir?: string[];
  dryRun?: boolean;
  dataRoot?: string[];
  from?: string;
  json?: boolean;
}

/** Download progress: a bar redrawn in place on a terminal, a line every 10% in a log. */
function progressPrinter(tty: boolean): (file: string, done: number, total: number | undefined) => void {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  let started = Date.now();
  let lastFile = "";
  let lastTenth = -1;
  let lastDraw = 0;
  return (file, done, total) => {
    if (file !== lastFile) {
      lastFile = file;
      lastTenth = -1;
      started = Date.now();
    }
    const fraction = total ? done / total : undefined;
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    const size = `${mb(done)}${total ? `/${mb(total)}` : ""} MB, ${mb(rate)} MB/s`;
    if (tty) {
      const now = Date.now();
      if (now - lastDraw < 100 && done !== total) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round((fraction ?? 0) * width);
      const bar = fraction === undefined ? "" : `[${"#".repeat(filled)}${" ".repeat(width - filled)}] `;
      const percent = fraction === undefined ? "" : `${(fraction * 100).toFixed(1)}% `;
      process.stderr.write(`\r${file} ${bar}${percent}${size}\u001b[K${done === total ? "\n" : ""}`);
      return;
    }
    const tenth = fraction === undefined ? Math.floor(done / 1e8) : Math.floor(fraction * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    process.stderr.write(`${file}: ${fraction === undefined ? "" : `${tenth * 10}%, `}${size}\n`);
  };
}

/** `mlgym data fetch|status|link`: the full-scale data of tasks, in the data cache. */
export function registerData(program: Command): void {
  const data = program
    .command("data")
    .description(
      "full-scale task data: fetch it into the data cache ($MLGYM_DATA_DIR or ~/.cache/mlgym/data), list what is there, or link it into a checkout of the original",
    );
  data
    .command("fetch")
    .description(
      "download a task's full data (resumable, checked against its digests) or take it from a local path, then convert it into the task's data format",
    )
    .argument("<taskId>", "the task, e.g. imageClassificationCifar10")
    .option(
      "--from <path>",
      "a local folder holding the source files (or the one file) instead of downloading",
    )
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .action(async (taskId: string, opts: DataOptions) => {
      const [{ fetchTaskData }, { discoverTasks }, { ensurePythonRuntime }, { ConfigError }] =
        await Promise.all([
          import("../../tasks/data-fetch.js"),
          import("../../tasks/registry.js"),
          import("../../runtime/python-runtime.js"),
          import("../../errors.js"),
        ]);
      const id = taskId.replace(/^mlgym\//, "");
      const tasks = discoverTasks(opts.tasksDir ?? []);
      const entry = tasks.get(id);
      if (!entry)
        throw new ConfigError(`unknown task '${id}'; available: ${[...tasks.keys()].sort().join(", ")}`, {
          field: "taskId",
        });
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const runtime = await ensurePythonRuntime(log);
      await fetchTaskData(id, entry.file, {
        python: `${runtime.binDir}/python`,
        ...(opts.from ? { from: opts.from } : {}),
        log,
        onProgress: progressPrinter(process.stderr.isTTY === true),
      });
    });
  data
    .command("status")
    .description("list every task's data per scale: present or not, where, how big")
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option("--json", "print JSON")
    .action(async (opts: DataOptions) => {
      const [{ taskDataStatus, formatBytes }, { discoverTasks }] = await Promise.all([
        import("../../tasks/data-status.js"),
        import("../../tasks/registry.js"),
      ]);
      const roots = dataRoots(opts.dataRoot);
      const rows = [...discoverTasks(opts.tasksDir ?? []).values()]
        .sort((a, b) => a.id.localeCompare(b.id))
        .flatMap((entry) => taskDataStatus(entry, roots));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const width = Math.max(4, ...rows.map((r) => r.taskId.length));
      process.stdout.write(`${"task".padEnd(width)}  scale  status   size      path\n`);
      for (const r of rows) {
        const size = r.status === "present" ? formatBytes(r.bytes) : "-";
        const where = r.paths.join(", ") || "-";
        const note = r.note ? `  (${r.status === "invalid" ? r.note : `get it with: ${r.note}`})` : "";
        process.stdout.write(
          `${r.taskId.padEnd(width)}  ${r.scale.padEnd(5)}  ${r.status.padEnd(7)}  ${size.padEnd(8)}  ${where}${note}\n`,
        );
      }
    });
  data
    .command("link")
    .description(
      "supply the data folders a checkout of the original MLGym expects (data/<task>/data) from this project's data of the same task, as hard links (copies across file systems), and offline copies of the Hugging Face Hub datasets its code loads (data/hf-datasets); what is already there is left alone",
    )
    .argument("<checkout>", "the original MLGym checkout (the folder holding mlgym/ and configs/)")
    .option(
      "--tasks-dir <dir>",
      "an extra folder with task YAML files to take data from (repeatable)",
      collect,
    )
    .option("--dry-run", "print what would be linked; change nothing")
    .option("--json", "print the report as JSON")
    .action(async (checkout: string, opts: DataOptions) => {
      const [{ linkOriginalData, formatDataLinkReport }, { ensurePythonRuntime }] = await Promise.all([
        import("../../tasks/data-link.js"),
        import("../../runtime/python-runtime.js"),
      ]);
      // The runtime builds the offline copies of Hub datasets (Fashion-MNIST); a dry run changes nothing.
      const runtime = opts.dryRun
        ? undefined
        : await ensurePythonRuntime((line) => process.stderr.write(`${line}\n`));
      const report = linkOriginalData(checkout, {
        tasksDirs: opts.tasksDir ?? [],
        dryRun: opts.dryRun === true,
        ...(runtime ? { python: `${runtime.binDir}/python` } : {}),
      });
      if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(formatDataLinkReport(report, opts.dryRun === true));
    });
}
