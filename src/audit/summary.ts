import { type AuditFile, RULE_IDS, type RuleId, type Severity } from "./audit-file.js";
import type { RunAudit } from "./audit-runs.js";

/** Counts over the audited runs. */
export interface AuditSummary {
  runs: number;
  /** Runs with a trajectory that could be read. */
  audited: number;
  /** Runs with at least one high-severity flag. */
  flagged: number;
  /** Runs with any flag. */
  withFlags: number;
  /** Per rule: flags by severity and the runs it flagged with severity high. */
  byRule: Record<RuleId, Record<Severity, number> & { flaggedRuns: number }>;
}

/** Sums the audits of many runs. */
export function summarizeAudits(audits: readonly AuditFile[]): AuditSummary {
  const byRule = Object.fromEntries(
    RULE_IDS.map((id) => [id, { high: 0, medium: 0, low: 0, flaggedRuns: 0 }]),
  ) as AuditSummary["byRule"];
  let audited = 0;
  let flagged = 0;
  let withFlags = 0;
  for (const audit of audits) {
    if (audit.trajectory !== null && audit.steps > 0) audited++;
    if (audit.flagged) flagged++;
    if (audit.flags.length > 0) withFlags++;
    const highRules = new Set<RuleId>();
    for (const flag of audit.flags) {
      byRule[flag.rule][flag.severity]++;
      if (flag.severity === "high") highRules.add(flag.rule);
    }
    for (const rule of highRules) byRule[rule].flaggedRuns++;
  }
  return { runs: audits.length, audited, flagged, withFlags, byRule };
}

/** The summary as rows of cells, header first: one row per rule. */
export function ruleTable(summary: AuditSummary): string[][] {
  return [
    ["rule", "high", "medium", "low", "runs flagged"],
    ...RULE_IDS.map((id) => {
      const r = summary.byRule[id];
      return [id, String(r.high), String(r.medium), String(r.low), String(r.flaggedRuns)];
    }),
  ];
}

/** Plain-text rendering of a table with padded columns. */
export function textTable(rows: readonly string[][]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  return rows
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** One line per high-severity flag (at most `limit`): run, step, rule and message. */
export function flaggedLines(audits: readonly RunAudit[], limit = 50): string[] {
  const lines: string[] = [];
  for (const { path, audit } of audits) {
    for (const flag of audit.flags) {
      if (flag.severity !== "high") continue;
      lines.push(`${path}  step ${flag.step}  ${flag.rule}: ${flag.message}`);
    }
  }
  return lines.length > limit ? [...lines.slice(0, limit), `… and ${lines.length - limit} more`] : lines;
}
