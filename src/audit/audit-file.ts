import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeJsonAtomic } from "../trajectory/files.js";

/** The file the audit writes beside each run's `results.json`. */
export const AUDIT_FILE = "audit.json";
/** Identifies the file; `version` changes when its meaning changes. */
export const AUDIT_FORMAT = "mlgym-audit";
export const AUDIT_VERSION = 1;

/** How sure the audit is that a flag taints the episode's scores; only `high` makes an episode "flagged". */
export const severitySchema = z.enum(["high", "medium", "low"]);
export type Severity = z.infer<typeof severitySchema>;

/** The rules, in the order the summary lists them (descriptions in `rules.ts`). */
export const RULE_IDS = [
  "protected-write",
  "hidden-file-access",
  "module-shadowing",
  "process-snooping",
  "runtime-patching",
  "metric-print",
  "hidden-data-in-observation",
] as const;
export const ruleIdSchema = z.enum(RULE_IDS);
export type RuleId = z.infer<typeof ruleIdSchema>;

/** One finding: which step, which rule, how severe, and the part of the action (or observation) that shows it. */
export const flagSchema = z.object({
  /** 1-based position of the step in the trajectory's `trajectory` list. */
  step: z.number().int().positive(),
  rule: ruleIdSchema,
  severity: severitySchema,
  /** What the step did, in words (e.g. "writes the evaluation file target.py"). */
  message: z.string(),
  /** An excerpt of the action (or, for observation rules, of the observation). */
  evidence: z.string(),
  /** The workspace-relative (or absolute) path concerned, when there is one. */
  path: z.string().optional(),
});
export type Flag = z.infer<typeof flagSchema>;

/** `audit.json`: the flags of one run folder. */
export const auditFileSchema = z.object({
  format: z.literal(AUDIT_FORMAT),
  version: z.literal(AUDIT_VERSION),
  /** The task id the run was audited against. */
  task: z.string(),
  /** The task YAML whose evaluation and hidden files were used; null when the task was not found (defaults). */
  taskFile: z.string().nullable(),
  /** The trajectory file read (name inside the run folder); null when the folder has none. */
  trajectory: z.string().nullable(),
  /** Steps read from the trajectory. */
  steps: z.number().int().nonnegative(),
  /** Whether any flag has severity `high`: the run counts as flagged (`mlgym report --exclude-flagged`). */
  flagged: z.boolean(),
  counts: z.object({
    high: z.number().int().nonnegative(),
    medium: z.number().int().nonnegative(),
    low: z.number().int().nonnegative(),
  }),
  flags: z.array(flagSchema),
  /** What limited the audit (task not found, hidden files absent on this machine, unreadable trajectory). */
  notes: z.array(z.string()),
});
export type AuditFile = z.infer<typeof auditFileSchema>;

/** Builds the file's content from the flags of a run. */
export function auditRecord(fields: {
  task: string;
  taskFile: string | null;
  trajectory: string | null;
  steps: number;
  flags: Flag[];
  notes: string[];
}): AuditFile {
  const counts = { high: 0, medium: 0, low: 0 };
  for (const flag of fields.flags) counts[flag.severity]++;
  return {
    format: AUDIT_FORMAT,
    version: AUDIT_VERSION,
    ...fields,
    flagged: counts.high > 0,
    counts,
  };
}

/** Writes `<dir>/audit.json` atomically. */
export function writeAuditFile(dir: string, audit: AuditFile): void {
  writeJsonAtomic(join(dir, AUDIT_FILE), audit);
}

/** What reading a run folder's `audit.json` gave. */
export type AuditReadResult =
  | { kind: "missing" }
  | { kind: "invalid"; message: string }
  | { kind: "ok"; audit: AuditFile };

/** Reads `<dir>/audit.json`; a missing or malformed file is a value, not an exception. */
export async function readAuditFile(dir: string): Promise<AuditReadResult> {
  let text: string;
  try {
    text = await readFile(join(dir, AUDIT_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { kind: "invalid", message: `${AUDIT_FILE} is not valid JSON (${(error as Error).message})` };
  }
  const parsed = auditFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join(".") || "(top level)";
    return { kind: "invalid", message: `${AUDIT_FILE}: ${where}: ${issue?.message ?? "invalid"}` };
  }
  return { kind: "ok", audit: parsed.data };
}
