import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { auditLine, aupWithCleanTable } from "../../report/audit-section.js";
import { buildReport } from "../../report/build-report.js";
import { loadTaskMetaFile } from "../../report/task-meta-file.js";
import { parseFormats, REPORT_FORMATS, writeReport } from "../../report/write-report.js";
import { collect } from "../options.js";

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
}

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
      "YAML/JSON with id, priority metric and direction of tasks outside the catalogue",
    )
    .option(
      "--exclude-flagged",
      "also report without runs whose audit.json has a high-severity flag (audits runs that lack one)",
    )
    .option(
      "--tasks-dir <dir>",
      "task folder for auditing runs of tasks outside the built-in ones (repeatable)",
      collect,
    )
    .action(async (runsDir: string, flags: ReportFlags) => {
      const formats = parseFormats(flags.format);
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
        ...(flags.tasksMeta ? { tasks: await loadTaskMetaFile(flags.tasksMeta) } : {}),
        excludeFlagged: flags.excludeFlagged === true,
        tasksDirs: flags.tasksDir ?? [],
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
      for (const row of aupWithCleanTable(data))
        out.write(`${row.map((c) => c.padEnd(24)).join("")}\n`.trimEnd().concat("\n"));
      const audit = auditLine(data);
      if (audit) out.write(`${audit}\n`);
      if (data.issues.length > 0)
        out.write(`${data.issues.length} notes on skipped or partial runs (see summary.md / report.json)\n`);
      out.write(`wrote ${written.length} files to ${flags.out}\n`);
    });
}
