import type { AgentEvent, StepProgress } from "../agent/agent.js";
import type { Metrics } from "../config/task-config.js";
import { bestAttempt } from "../metrics/attempts.js";
import type { Direction } from "../metrics/types.js";
import type { TrajectoryStep } from "../trajectory/files.js";

/** What the display needs to know about the task, to show the best score against the baseline. */
export interface DisplayTask {
  /** The metric scores are compared on, if the task has one. */
  priorityMetric: string | undefined;
  /** Whether larger or smaller values of the priority metric are better. */
  direction: Direction;
  baseline: Metrics | undefined;
}

export interface LiveDisplayOptions {
  /** Where lines go (stderr). */
  write: (text: string) => void;
  /** An updating spinner line on a terminal; otherwise a line every `intervalS` while waiting. */
  tty: boolean;
  /** Seconds between activity lines on a non-terminal (default $MLGYM_ACTIVITY_INTERVAL_S or 10). */
  intervalS?: number;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `75 s`, `12m05s`, `1h02m`. */
export function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 100) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** A metric value with a few significant digits. */
export function formatScore(value: number | undefined): string {
  if (value === undefined) return "-";
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** The best value of the priority metric among the evaluations, if any (the report's rule for a run's best). */
export function bestScore(scores: Metrics[], task: DisplayTask): number | undefined {
  const key = task.priorityMetric;
  return key === undefined ? undefined : bestAttempt(scores, key, task.direction)?.value;
}

/**
 * The live display of an episode on stderr: one block per step with the step count, elapsed time, best score so
 * far against the baseline and total cost; re-queries as they happen; and, while the model thinks or a command
 * runs, a spinner (terminal) or a line every few seconds (log file).
 */
export class LiveDisplay {
  private readonly started = Date.now();
  private readonly intervalMs: number;
  private activity: { what: string; since: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private frame = 0;
  private spinnerShown = false;
  private requeries = 0;
  private costUsd = 0;
  private best: number | undefined;

  constructor(
    private readonly task: DisplayTask,
    private readonly options: LiveDisplayOptions,
  ) {
    const fromEnv = Number(process.env.MLGYM_ACTIVITY_INTERVAL_S);
    const seconds = options.intervalS ?? (fromEnv > 0 ? fromEnv : 10);
    this.intervalMs = options.tty ? 100 : seconds * 1000;
  }

  /** A line of its own (the spinner, if shown, is cleared first). */
  line(text: string): void {
    this.clearSpinner();
    this.options.write(`${text}\n`);
  }

  private elapsed(): string {
    return duration((Date.now() - this.started) / 1000);
  }

  private status(step: number, maxSteps: number): string {
    const parts = [`step ${step}/${maxSteps}`, this.elapsed()];
    const key = this.task.priorityMetric;
    if (key !== undefined) {
      const baseline = this.task.baseline?.[key];
      parts.push(
        `best ${key} ${formatScore(this.best)}${baseline !== undefined ? ` (baseline ${formatScore(baseline)})` : ""}`,
      );
    }
    parts.push(`$${this.costUsd.toFixed(4)}`);
    if (this.requeries > 0) parts.push(`${this.requeries} re-quer${this.requeries === 1 ? "y" : "ies"}`);
    return parts.join(" · ");
  }

  onEvent(event: AgentEvent): void {
    switch (event.kind) {
      case "query":
        this.begin("waiting for the model");
        break;
      case "action":
        this.begin(`running ${oneLine(event.action, 40) || "(empty action)"}`);
        break;
      case "requery":
        this.requeries++;
        this.line(
          `  ↻ step ${event.step}: answer refused, asking again: ${oneLine(event.requery.error, 120)}\n    answer was: ${oneLine(event.requery.response, 100)}`,
        );
        break;
      case "infrastructure":
        // Printed by the caller's warning channel, which --quiet keeps.
        break;
    }
  }

  onStep(step: TrajectoryStep, info: StepProgress): void {
    this.end();
    this.costUsd = info.costUsd;
    this.best = bestScore(info.scores, this.task);
    this.line(
      `[${this.status(info.step, info.maxSteps)}] $ ${oneLine(step.action, 60)}\n    ${oneLine(step.observation, 100)}`,
    );
  }

  private begin(what: string): void {
    this.end();
    this.activity = { what, since: Date.now() };
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  private tick(): void {
    if (!this.activity) return;
    const seconds = Math.round((Date.now() - this.activity.since) / 1000);
    if (this.options.tty) {
      this.frame = (this.frame + 1) % SPINNER.length;
      this.options.write(
        `\r\x1b[K${SPINNER[this.frame]} ${this.activity.what} (${seconds} s, ${this.elapsed()} in all)`,
      );
      this.spinnerShown = true;
    } else {
      this.options.write(`… ${this.activity.what} (${seconds} s)\n`);
    }
  }

  private clearSpinner(): void {
    if (!this.spinnerShown) return;
    this.options.write("\r\x1b[K");
    this.spinnerShown = false;
  }

  /** Stops the activity line (at the end of a step or of the episode). */
  end(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.activity = undefined;
    this.clearSpinner();
  }
}
