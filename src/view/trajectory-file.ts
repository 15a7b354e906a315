import { statSync } from "node:fs";
import { parsePythonJson } from "../python-json.js";
import { stepRequeries } from "./requeries.js";
import { readBytes, readInfoFromTail, readRange, type StepOffsets, scanStepOffsets } from "./step-offsets.js";

/** What the step list of a run shows for each step, without its full text. */
export interface StepOutline {
  /** First line of the action, at most 120 characters (trailing spaces dropped). */
  action: string;
  /** Answers refused before the step's action (format errors, blocked commands). */
  requeries: number;
  /** Set when the step lists its re-queries (ours); the original's files never do. */
  recorded?: true;
}

const OUTLINE_WIDTH = 120;

/**
 * The line a step list shows for an action: its first non-blank line, at most 120 characters. Undefined when `text`
 * is only the head of a longer action and that line may go on past it.
 */
export function actionLine(text: string, cut = false): string | undefined {
  const start = text.trimStart();
  const newline = start.indexOf("\n");
  const line = newline < 0 ? start : start.slice(0, newline);
  if (cut && newline < 0 && line.length < OUTLINE_WIDTH) return undefined;
  return line.slice(0, OUTLINE_WIDTH).trimEnd();
}

interface Entry {
  mtimeMs: number;
  size: number;
  offsets: StepOffsets;
  outline?: StepOutline[];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * Reads `.traj` files by byte range: each file is scanned once per change (size and mtime) for the offsets of its
 * steps and `info`; a step list, a page of steps or the info then reads only those bytes.
 */
export class TrajectoryFiles {
  private readonly entries = new Map<string, Entry>();
  /** At most this many files keep their offsets (the least recently used go first). */
  constructor(private readonly capacity = 256) {}

  private entry(file: string): Entry {
    const info = statSync(file);
    const known = this.entries.get(file);
    if (known && known.mtimeMs === info.mtimeMs && known.size === info.size) {
      this.entries.delete(file);
      this.entries.set(file, known);
      return known;
    }
    const entry: Entry = { mtimeMs: info.mtimeMs, size: info.size, offsets: scanStepOffsets(file) };
    this.entries.set(file, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return entry;
  }

  /**
   * What the run list needs (step count, last action, `info`) with as little reading as possible: the steps are
   * scanned up to the end of the `trajectory` list (the history after it is skipped) and `info` is read from the
   * file's tail. A file whose offsets are already known reads only the ranges.
   */
  summary(file: string): { steps: number; lastAction: string | undefined; info: Record<string, unknown> } {
    const known = this.entries.get(file);
    const { size, mtimeMs } = statSync(file);
    if (known && known.size === size && known.mtimeMs === mtimeMs) {
      const steps = known.offsets.starts.length;
      const last = steps > 0 ? this.steps(file, steps - 1, steps)[0] : undefined;
      return {
        steps,
        lastAction: typeof last?.action === "string" ? last.action : undefined,
        info: this.info(file),
      };
    }
    const offsets = scanStepOffsets(file, undefined, true);
    const steps = offsets.starts.length;
    let lastAction: string | undefined;
    if (steps > 0) {
      try {
        const last = record(
          parsePythonJson(
            readRange(file, offsets.starts[steps - 1] as number, offsets.ends[steps - 1] as number),
          ),
        );
        if (typeof last.action === "string") lastAction = last.action;
      } catch {}
    }
    let info: Record<string, unknown> | undefined;
    try {
      info = readInfoFromTail(file, size);
    } catch {}
    return { steps, lastAction, info: info ?? this.info(file) };
  }

  /** Number of complete steps. */
  stepCount(file: string): number {
    return this.entry(file).offsets.starts.length;
  }

  /** The parsed `info` object (`{}` when absent or not yet written). */
  info(file: string): Record<string, unknown> {
    const range = this.entry(file).offsets.info;
    if (!range) return {};
    try {
      return record(parsePythonJson(readRange(file, range[0], range[1])));
    } catch {
      return {};
    }
  }

  /** Steps `[from, to)` as parsed objects (to is clamped to the step count). */
  steps(file: string, from: number, to: number): Array<Record<string, unknown>> {
    const { starts, ends } = this.entry(file).offsets;
    const last = Math.min(to, starts.length);
    if (from >= last) return [];
    const first = starts[from] as number;
    const bytes = readBytes(file, first, ends[last - 1] as number);
    const out: Array<Record<string, unknown>> = [];
    for (let i = from; i < last; i++) {
      const text = bytes
        .subarray((starts[i] as number) - first, (ends[i] as number) - first)
        .toString("utf8");
      out.push(record(parsePythonJson(text)));
    }
    return out;
  }

  /**
   * The outline of every step, once per change of the file. It comes from the offset scan (each action's head and
   * re-query count); only a step whose first line runs past the head kept by the scan is read again.
   */
  outline(file: string): StepOutline[] {
    const entry = this.entry(file);
    if (entry.outline) return entry.outline;
    const { starts, actionHeads, actionCut, requeries } = entry.offsets;
    const outline: StepOutline[] = [];
    for (let i = 0; i < starts.length; i++) {
      const head = actionHeads[i];
      let action = head === undefined ? "" : actionLine(head, actionCut[i]);
      if (action === undefined) {
        const step = this.steps(file, i, i + 1)[0];
        action = typeof step?.action === "string" ? (actionLine(step.action) ?? "") : "";
      }
      const recorded = requeries[i] ?? -1;
      outline.push({
        action,
        requeries: stepRequeries(recorded, action),
        ...(recorded >= 0 ? { recorded: true as const } : {}),
      });
    }
    entry.outline = outline;
    return outline;
  }
}
