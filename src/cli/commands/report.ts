import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { BENCHMARK_TAU_MAX } from "../../report/catalogue.js";
import { parseFormats, REPORT_FORMATS } from "../../report/formats.js";
import { collect, DATA_ROOT_HELP, dataRoots } from "../options.js";

interface ReportFlags {
  out: string;
  format: string;
  bootstrap: string;
  seed: string;
  compare: string[];
  models?: string;
  tasksMeta?: string;
  excludeFlagged?: boolean;
  tasksDir?: string[];
  dataRoot?: string[];
  tauMax?: string;
  includeInfrastructureFailures?: boolean;
  names?: string;
}

/** `--tau-max`: a positive number or `auto` (the original's rule). */
function tauMax(value: string | undefined): number | "auto" | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === "auto") return "auto";
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 100)
    throw new ConfigError(`expected a number in (0, 100] or 'auto', got '${value}'`, { field: "--tau-max" });
  return n;
}

/** The `--tasks-meta` file format, shown in `mlgym report --help`. */
const TASKS_META_HELP = `
--tasks-meta file (YAML or JSON), for tasks that are neither built in nor in a --tasks-dir folder:
  a map from task id to entry, a list of entries with \`id\`, or {tasks: [...]}. An entry has
    priority_metric (or priorityMetric)   the metric that ranks attempts (required)
    direction: maximize | minimize        or metric_directions: {<metric>: minimize} as in a task YAML
                                          (default maximize)
    name (or display_name, displayName)   the row label (default: the id)
  e.g.
    myTask:
      name: My task
      priority_metric: loss
      direction: minimize
  Entries override the built-in catalogue. Tasks are otherwise known from the paper's catalogue and from task
  YAMLs (built-in tasks, --tasks-dir folders): metric, direction and baseline_scores come from the YAML.`;

function nonNegativeInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`expected a non-negative integer, got '${value}'`, { field: flag });
  return n;
}

function pair(value: string): [string, string] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.length !== 2 || !parts[0] || !parts[1])
    throw new ConfigError(`expected '<modelA>,<modelB>', got '${value}'`, { field: "--compare" });
  return [parts[0], parts[1]];
}

/** `mlgym report <runs-dir>`: the paper's tables and figures (and more) from a tree of run folders. */
export function registerReport(program: Command): void {
  program
    .command("report")
    .description("tables (AUP, best/last scores, ranks), figures and a summary from a folder of runs")
    .argument("<runs-dir>", "folder holding run folders (<model>__<task>__...__run_<i>/results.json)")
    .option("-o, --out <dir>", "output folder", "mlgym-report")
    .option(
      "-f, --format <list>",
      `comma-separated outputs: ${REPORT_FORMATS.join(",")}`,
      REPORT_FORMATS.join(","),
    )
    .option("--bootstrap <n>", "bootstrap replicates for confidence intervals (0 = off)", "0")
    .option("--seed <n>", "seed of the bootstrap", "0")
    .option(
      "--compare <a,b>",
      "paired comparison of two models (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--models <list>", "models to report, in column order (default: all found)")
    .option(
      "--tasks-meta <file>",
      "YAML/JSON with the priority metric and direction of tasks not otherwise known (format below)",
    )
    .option(
      "--exclude-flagged",
      "also report without runs whose audit.json has a high-severity flag (audits runs that lack one)",
    )
    .option(
      "--tasks-dir <dir>",
      "task folder whose task YAMLs define tasks of the runs (metric, direction, baseline) and their audit (repeatable)",
      collect,
    )
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option(
      "--tau-max <x>",
      `τmax of the performance profiles: a number, or 'auto' for the original's data-dependent rule (default ${BENCHMARK_TAU_MAX}, the benchmark's fixed range, so AUPs of different reports compare)`,
    )
    .option(
      "--include-infrastructure-failures",
      "score runs that ended because of the model API or the sandbox (left out by default, with a count)",
    )
    .option("--names <file>", "YAML/JSON of model display names and colours (id: Name or id: {name, colour})")
    .addHelpText("after", TASKS_META_HELP)
    .action(async (runsDir: string, flags: ReportFlags) => {
      const formats = parseFormats(flags.format);
      const tau = tauMax(flags.tauMax);
      const [{ auditLine, aupWithCleanTable }, { buildReport }, { displayNamesFrom }, { writeReport }] =
        await Promise.all([
          import("../../report/audit-section.js"),
          import("../../report/build-report.js"),
          import("../../report/display-names.js"),
          import("../../report/write-report.js"),
        ]);
      // The YAML and schema libraries are loaded only for the files that need them (--tasks-meta, --names).
      const data = await buildReport(runsDir, {
        bootstrap: nonNegativeInt(flags.bootstrap, "--bootstrap"),
        seed: nonNegativeInt(flags.seed, "--seed"),
        compare: flags.compare.map(pair),
        ...(flags.models
          ? {
              models: flags.models
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        ...(flags.tasksMeta
          ? {
              tasks: await (await import("../../report/task-meta-file.js")).loadTaskMetaFile(flags.tasksMeta),
            }
          : {}),
        excludeFlagged: flags.excludeFlagged === true,
        tasksDirs: flags.tasksDir ?? [],
        dataRoots: dataRoots(flags.dataRoot),
        includeInfrastructureFailures: flags.includeInfrastructureFailures === true,
        names: flags.names
          ? (await import("../../report/names-file.js")).loadDisplayNames(flags.names)
          : displayNamesFrom(),
        ...(tau === undefined ? {} : { tauMax: tau }),
      });
      if (data.scores.tasks.length === 0) {
        throw new ConfigError(
          `no runs of known tasks found (${data.runCount} run folders, ${data.issues.length} notes)`,
          { file: runsDir },
        );
      }
      const written = await writeReport(data, flags.out, formats);
      const out = process.stdout;
      out.write(
        `${data.runCount} run folders, ${data.scores.tasks.length} tasks, ${data.scores.models.length} models\n`,
      );
      const table = aupWithCleanTable(data);
      // Each column as wide as its widest cell, two spaces apart (a long model id never runs into its AUP).
      const widths = (table[0] ?? []).map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0)) + 2);
      for (const row of table)
        out.write(
          `${row
            .map((c, i) => c.padEnd(widths[i] ?? 0))
            .join("")
            .trimEnd()}\n`,
        );
      const infra = data.infrastructure;
      if (infra && infra.count > 0)
        out.write(
          `${infra.count} runs ended because of infrastructure: ${infra.included ? "scored" : "left out of the scores"} (see summary.md)\n`,
        );
      out.write(`τ range [0, ${data.scores.tauRange.max}] (${data.scores.tauRange.source})\n`);
      const audit = auditLine(data);
      if (audit) out.write(`${audit}\n`);
      if (data.issues.length > 0)
        out.write(`${data.issues.length} notes on skipped or partial runs (see summary.md / report.json)\n`);
      out.write(`wrote ${written.length} files to ${flags.out}\n`);
    });
}
