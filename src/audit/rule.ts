import type { Flag, RuleId } from "./audit-file.js";
import type { StepOps } from "./operations.js";
import type { Layout } from "./paths.js";
import type { AuditContext } from "./task-context.js";

/** Everything a rule sees of one step. */
export interface RuleInput {
  /** 1-based position in the trajectory. */
  step: number;
  action: string;
  observation: string;
  /** The shell's directory when the step began. */
  cwd: string;
  ops: StepOps;
  ctx: AuditContext;
  layout: Layout;
  /** Absolute paths of the Python files the evaluation process loads (submission modules and what they import). */
  evaluated: ReadonlySet<string>;
}

/** A tamper rule: an id, one sentence on what it flags, and a pure check of one step. */
export interface Rule {
  id: RuleId;
  summary: string;
  check(input: RuleInput): Finding[];
}

/** A flag before the scan adds its step and rule. */
export type Finding = Omit<Flag, "step" | "rule">;

/** Paths inside a Python installation (the task runtime, the original's conda environments). */
export const RUNTIME =
  /\/(?:site|dist)-packages(?:\/|$)|\/\.cache\/mlgym\/|\/miniconda3\/|\/lib\/python3[.\d]*(?:\/|$)/;
/** Files Python runs at start-up. */
export const SITE_HOOK = /^(?:sitecustomize|usercustomize)\.py$/;

/** `text` as a literal inside a regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The line of `text` around `index`, clipped to about `width` characters on each side (for evidence). */
export function around(text: string, index: number, width = 100): string {
  const start = Math.max(0, text.lastIndexOf("\n", index) + 1, index - width);
  const endLine = text.indexOf("\n", index);
  const end = Math.min(endLine < 0 ? text.length : endLine, index + width * 1.4);
  return text.slice(start, end);
}
