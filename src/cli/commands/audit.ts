import { stat } from "node:fs/promises";
import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { collect } from "../options.js";

interface AuditFlags {
  tasksDir?: string[];
  json?: boolean;
  failOnFlags?: boolean;
}

/** `mlgym audit <runs-dir>`: flags episodes whose trajectories show evaluation tampering; writes audit.json. */
export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description("flag runs whose trajectories tamper with the evaluation; writes audit.json beside each run")
    .argument("<runs-dir>", "folder holding run folders (<model>__<task>__...__run_<i>/<task>.traj)")
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--json", "print the audits as JSON")
    .option("--fail-on-flags", "exit with 1 when any run has a high-severity flag")
    .action(async (runsDir: string, flags: AuditFlags) => {
      const info = await stat(runsDir).catch(() => undefined);
      if (!info?.isDirectory()) throw new ConfigError("runs directory not found", { file: runsDir });
      // Loaded when the command runs, so that other commands do not pay for them (see main.ts).
      const [{ AUDIT_FILE }, { auditRuns }, { flaggedLines, ruleTable, summarizeAudits, textTable }] =
        await Promise.all([
          import("../../audit/audit-file.js"),
          import("../../audit/audit-runs.js"),
          import("../../audit/summary.js"),
        ]);
      const audits = await auditRuns(runsDir, { tasksDirs: flags.tasksDir ?? [] });
      const summary = summarizeAudits(audits.map((a) => a.audit));
      const out = process.stdout;
      if (flags.json) {
        out.write(`${JSON.stringify({ summary, runs: audits }, null, 2)}\n`);
      } else {
        out.write(
          `${summary.runs} run folders, ${summary.audited} with a trajectory, ${summary.flagged} flagged (a high-severity flag), ${summary.withFlags} with any flag\n\n`,
        );
        out.write(`${textTable(ruleTable(summary))}\n`);
        const lines = flaggedLines(audits);
        if (lines.length > 0) out.write(`\nhigh-severity flags:\n${lines.map((l) => `  ${l}`).join("\n")}\n`);
        out.write(`\nwrote ${AUDIT_FILE} in ${audits.length} run folders\n`);
      }
      if (flags.failOnFlags && summary.flagged > 0) process.exitCode = 1;
    });
}
