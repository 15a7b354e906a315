import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { collect, DATA_ROOT_HELP, dataRoots } from "../options.js";

interface ExportFlags {
  format: string;
  out?: string;
  task?: string[];
  model?: string[];
  exitStatus?: string[];
  excludeFlagged?: boolean;
  minImprovement?: string;
  includeInfrastructureFailures?: boolean;
  tasksDir?: string[];
  dataRoot?: string[];
}

/** Repeatable, comma-separated list options (`--task a,b --task c`). */
function list(values: string[] | undefined): string[] | undefined {
  const items = values
    ?.flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  return items?.length ? items : undefined;
}

function minImprovement(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new ConfigError(`expected a number (0.1 = 10% better than the baseline), got '${value}'`, {
      field: "--min-improvement",
    });
  return n;
}

const FORMATS_HELP = `
Formats:
  chat-jsonl   one line per episode: {"messages": [...], "tools"?: [...], "metadata": {...}} (OpenAI chat, for SFT)
  steps-jsonl  one line per step: {episode_id, task, model, step, observation, action, thought, response, reward,
               score_delta, metrics?, done, exit_status?} (offline RL)
  atif         one ATIF trajectory.json per episode: <out>/<run folder>/trajectory.json (Harbor and others)
reward is the environment's "improvement" reward: the gain of a step's score over the best so far (the baseline
before any), divided by |baseline|, when positive; score_delta is that gain in the metric's units, signed.
Improvement (--min-improvement) is (best - baseline) / |baseline| in the task's direction.`;

/** `mlgym export <runs-dir> --format F`: trajectories as training data (chat JSONL, ATIF, per-step records). */
export function registerExport(program: Command): void {
  program
    .command("export")
    .description(
      "export trajectories as training data: chat JSONL (SFT), ATIF trajectory.json, per-step records",
    )
    .argument("<runs-dir>", "folder holding run folders (ours, the original's, or mlgym serve's)")
    .requiredOption("--format <format>", "chat-jsonl, atif or steps-jsonl")
    .option("--out <path>", "JSONL: the file (default: standard output); atif: the folder (required)")
    .option("--task <ids>", "only these tasks (comma-separated, repeatable)", collect)
    .option(
      "--model <names>",
      "only these models, as run folders or args.json name them (repeatable)",
      collect,
    )
    .option(
      "--exit-status <status>",
      "only this exit status; a trailing * matches a prefix (repeatable)",
      collect,
    )
    .option("--exclude-flagged", "leave out runs that `mlgym audit` flagged (high severity)")
    .option("--min-improvement <x>", "only runs whose best score beats the baseline by at least x (relative)")
    .option("--include-infrastructure-failures", "keep runs that the model API or the sandbox ended")
    .option(
      "--tasks-dir <dir>",
      "an extra folder with task YAML files (metric and direction; repeatable)",
      collect,
    )
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .addHelpText("after", FORMATS_HELP)
    .action(async (runsDir: string, flags: ExportFlags) => {
      // Loaded when the command runs, so that other commands do not pay for them (see main.ts).
      const [{ exportRuns, parseExportFormat }, { packageVersion }] = await Promise.all([
        import("../../export/export-runs.js"),
        import("../main.js"),
      ]);
      const format = parseExportFormat(flags.format);
      const filters = {
        ...(list(flags.task) ? { tasks: list(flags.task)! } : {}),
        ...(list(flags.model) ? { models: list(flags.model)! } : {}),
        ...(flags.exitStatus?.length ? { exitStatuses: flags.exitStatus } : {}),
        ...(flags.excludeFlagged ? { excludeFlagged: true } : {}),
        ...(flags.minImprovement !== undefined
          ? { minImprovement: minImprovement(flags.minImprovement)! }
          : {}),
        ...(flags.includeInfrastructureFailures ? { includeInfrastructureFailures: true } : {}),
      };
      const summary = await exportRuns(runsDir, {
        format,
        filters,
        ...(flags.out !== undefined ? { out: flags.out } : {}),
        tasksDirs: flags.tasksDir ?? [],
        dataRoots: dataRoots(flags.dataRoot),
        agentVersion: packageVersion(),
      });
      const err = process.stderr;
      const unit =
        format === "steps-jsonl" ? "steps" : format === "atif" ? "trajectory.json files" : "records";
      err.write(
        `exported ${summary.episodes} episodes (${summary.records} ${unit})${summary.output ? ` to ${summary.output}` : ""}\n`,
      );
      const excluded = Object.entries(summary.excluded).map(([why, n]) => `${n} by ${why}`);
      if (excluded.length > 0) err.write(`left out: ${excluded.join(", ")}\n`);
      if (summary.empty.length > 0)
        err.write(
          `${summary.empty.length} episodes had no model answer to export: ${summary.empty.join(", ")}\n`,
        );
      for (const s of summary.skipped) err.write(`skipped ${s.run}: ${s.reason}\n`);
      if (summary.notAudited > 0)
        err.write(`${summary.notAudited} exported episodes have no audit.json: run \`mlgym audit\` first\n`);
      if (summary.unmatched.length > 0)
        err.write(
          `evaluations could not all be placed on steps (rewards may be off) in: ${summary.unmatched.join(", ")}\n`,
        );
      for (const note of summary.notes) err.write(`note: ${note}\n`);
    });
}
