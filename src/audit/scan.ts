import { posix } from "node:path";
import { isExitAction } from "../trajectory/read.js";
import type { Flag } from "./audit-file.js";
import { type StepOps, stepOps } from "./operations.js";
import { type Layout, layoutFrom, resolvePath } from "./paths.js";
import { pythonImports } from "./python-ops.js";
import { RULES } from "./rules.js";
import type { AuditContext } from "./task-context.js";

/** The parts of a trajectory step the audit reads. */
export interface ScanStep {
  action: string;
  observation: string;
  /** The state JSON recorded before the action (`{"open_file": ..., "working_dir": ...}`). */
  state: string;
}

interface StepState {
  openFile: string | undefined;
  workingDir: string | undefined;
}

function parseState(state: string): StepState {
  try {
    const value = JSON.parse(state) as unknown;
    if (typeof value !== "object" || value === null) return { openFile: undefined, workingDir: undefined };
    const record = value as Record<string, unknown>;
    const open =
      typeof record.open_file === "string" && record.open_file !== "n/a" ? record.open_file : undefined;
    const dir =
      typeof record.working_dir === "string" && record.working_dir !== "" ? record.working_dir : undefined;
    return { openFile: open, workingDir: dir };
  } catch {
    return { openFile: undefined, workingDir: undefined };
  }
}

const TOOL_ONLY = /^(?:validate|submit|goto|scroll_up|scroll_down|search_dir|search_file|find_file)\b/;

/**
 * The audit of one trajectory: each step's file operations (followed with the recorded working directory and
 * open file), then every rule on every step. Files the evaluation imports are the task's submission modules plus
 * the local modules that code written into them imports. Pure; flags come in step order, without duplicates.
 */
export function scanTrajectory(steps: readonly ScanStep[], ctx: AuditContext): Flag[] {
  const states = steps.map((s) => parseState(s.state));
  const layout: Layout = layoutFrom(states.find((s) => s.workingDir)?.workingDir);
  let cwd = layout.workspace;
  let openFile: string | undefined;
  const perStep: Array<{ cwd: string; ops: StepOps } | undefined> = steps.map((step, i) => {
    const state = states[i] as StepState;
    cwd = state.workingDir ?? cwd;
    openFile = state.openFile ? resolvePath(state.openFile, cwd, layout) : openFile;
    const action = step.action.trim();
    if (action === "" || isExitAction(action) || TOOL_ONLY.test(action))
      return { cwd, ops: emptyOps(openFile) };
    const ops = stepOps(step.action, step.observation, { cwd, openFile, layout });
    openFile = ops.openFile;
    return { cwd, ops };
  });

  const evaluated = evaluatedFiles(perStep, ctx, layout);
  const flags: Flag[] = [];
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    const facts = perStep[i];
    if (!facts) return;
    for (const rule of RULES) {
      const findings = rule.check({
        step: i + 1,
        action: step.action,
        observation: step.observation,
        cwd: facts.cwd,
        ops: facts.ops,
        ctx,
        layout,
        evaluated,
      });
      for (const finding of findings) {
        const key = `${i}\u0000${rule.id}\u0000${finding.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        flags.push({ step: i + 1, rule: rule.id, ...finding });
      }
    }
  });
  return flags;
}

function emptyOps(openFile: string | undefined): StepOps {
  return { ops: [], codes: [], openFile, refused: false };
}

/** The submission modules, closed over the local imports of code the agent writes into them. */
function evaluatedFiles(
  perStep: ReadonlyArray<{ ops: StepOps } | undefined>,
  ctx: AuditContext,
  layout: Layout,
): Set<string> {
  const evaluated = new Set(ctx.evaluatedModules.map((m) => posix.join(layout.workspace, m)));
  const codes = perStep.flatMap((s) => s?.ops.codes ?? []).filter((c) => c.python && c.file !== undefined);
  for (const code of codes) {
    const base = posix.basename(code.file as string);
    if (base === "sitecustomize.py" || base === "usercustomize.py") evaluated.add(code.file as string);
  }
  let grew = true;
  while (grew) {
    grew = false;
    for (const code of codes) {
      if (!evaluated.has(code.file as string)) continue;
      for (const name of pythonImports(code.code)) {
        if (ctx.shadowNames.has(name.split(".")[0] as string)) continue;
        const path = posix.join(posix.dirname(code.file as string), `${name.replaceAll(".", "/")}.py`);
        if (!evaluated.has(path)) {
          evaluated.add(path);
          grew = true;
        }
      }
    }
  }
  return evaluated;
}
