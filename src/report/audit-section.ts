import type { AuditOverview, ReportData } from "./build-report.js";
import type { Block, Section } from "./sections.js";
import { aupTable, scoresTable, type Table } from "./tables.js";

function excludedOf(audit: AuditOverview, model: string): number {
  return Object.values(audit.excluded[model] ?? {}).reduce((a, b) => a + b, 0);
}

/** `Model,Best AUP,Last AUP,Best AUP (clean),Last AUP (clean),excluded runs`: both numbers side by side. */
export function aupWithCleanTable(data: ReportData): Table {
  const audit = data.audit;
  const full = aupTable(data.scores);
  if (!audit?.clean) return full;
  const clean = aupTable(audit.clean);
  return full.map((row, i) => {
    const other = clean[i] ?? [];
    if (i === 0) return [...row, "Best AUP (clean)", "Last AUP (clean)", "excluded runs"];
    const model = row[0] ?? "";
    const excluded = model === "baseline" ? "" : String(excludedOf(audit, model));
    return [...row, other[1] ?? "", other[2] ?? "", excluded];
  });
}

/** Flagged runs per model (rows) and task (columns). */
function excludedTable(data: ReportData, audit: AuditOverview): Table {
  const tasks = data.scores.tasks;
  const rows = data.scores.models
    .filter((m) => excludedOf(audit, m) > 0)
    .map((m) => [
      m,
      ...tasks.map((t) => String(audit.excluded[m]?.[t.id] ?? 0)),
      String(excludedOf(audit, m)),
    ]);
  return [["Model", ...tasks.map((t) => t.displayName), "total"], ...rows];
}

/** One line on the tamper audit for the console and the report. */
export function auditLine(data: ReportData): string | undefined {
  const audit = data.audit;
  if (!audit || audit.audited === 0) return undefined;
  const excluded = audit.clean ? "; the clean tables leave them out" : "";
  return `${audit.flagged} of ${audit.audited} audited runs carry a high-severity tamper flag (audit.json)${excluded}`;
}

/**
 * The "Tamper audit" section: how many runs carry flags and, with `--exclude-flagged`, the AUP and best scores
 * without the flagged runs beside the full ones and the count of excluded runs per model and task.
 */
export function auditSection(data: ReportData): Section | undefined {
  const audit = data.audit;
  if (!audit) return undefined;
  const title = "Tamper audit";
  if (!audit.clean) {
    const text =
      audit.audited === 0
        ? "No run folder has an `audit.json`: run `mlgym audit <runs-dir>` to check the trajectories for evaluation tampering, or pass `--exclude-flagged`."
        : `\`mlgym audit\`: ${audit.flagged} of ${audit.audited} audited runs carry a high-severity flag (${audit.withFlags} carry a flag of any severity). The tables above include them; \`--exclude-flagged\` adds the tables without them.`;
    return { title, blocks: [{ kind: "text", text }] };
  }
  const blocks: Block[] = [
    {
      kind: "text",
      text: `A run counts as flagged when its \`audit.json\` (\`mlgym audit\`) has a flag of severity \`high\`; runs without one count as clean. ${audit.flagged} of ${audit.audited} audited runs are flagged. The clean columns leave the flagged runs out (their task's baseline stays); the other tables of this report include them.`,
    },
    { kind: "table", table: aupWithCleanTable(data) },
  ];
  if (audit.flagged > 0) {
    blocks.push({ kind: "text", text: "Excluded (flagged) runs per model and task:" });
    blocks.push({ kind: "table", table: excludedTable(data, audit) });
  }
  blocks.push({ kind: "text", text: "Best attempt scores without the flagged runs:" });
  blocks.push({ kind: "table", table: scoresTable(audit.clean, "best") });
  return { title, blocks };
}
