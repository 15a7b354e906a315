import type { EpisodeRecord } from "./local-pool.js";
import type { BatchEvent, BatchPlan, EpisodeProgress, EpisodeSpec, LedgerState } from "./types.js";

interface Running {
  spec: EpisodeSpec;
  attempt: number;
  progress?: EpisodeProgress;
  worker?: string;
}

const usd = (x: number) => `${x.toFixed(x < 1 ? 4 : 2)} USD`;

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * What a batch shows while it runs: on a terminal a block redrawn in place (counts, cost against the budget,
 * throughput and ETA, one line per running episode); in a log, a line per event and a status line every half minute.
 */
export class BatchDisplay {
  private readonly running = new Map<string, Running>();
  private total = 0;
  private done = 0;
  private failed = 0;
  private skipped = 0;
  private cost = 0;
  private budget: LedgerState | undefined;
  private readonly started = Date.now();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastStatus = 0;

  constructor(
    private readonly plan: BatchPlan,
    private readonly out: { write: (text: string) => void; tty: boolean; width?: number },
  ) {}

  onEvent(event: BatchEvent): void {
    switch (event.kind) {
      case "planned":
        this.total = event.total;
        this.skipped = event.complete;
        this.log(
          `mlgym batch ${this.plan.id}: ${event.total} episodes, ${event.complete} already complete, into ${this.plan.output}`,
        );
        break;
      case "started":
        this.running.set(event.spec.key, {
          spec: event.spec,
          attempt: event.attempt,
          ...(event.worker ? { worker: event.worker } : {}),
        });
        this.log(
          `started  ${event.spec.folder}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}${event.worker ? ` on ${event.worker}` : ""}`,
        );
        break;
      case "progress": {
        const r = this.running.get(event.progress.key);
        if (r) r.progress = event.progress;
        break;
      }
      case "finished": {
        this.running.delete(event.spec.key);
        const o = event.outcome;
        this.cost += o.costUsd ?? 0;
        if (o.status === "completed") this.done++;
        if (o.status === "skipped") this.skipped++;
        const score =
          o.bestScore === null || o.bestScore === undefined ? "" : `, best ${o.bestScore.toPrecision(4)}`;
        const detail =
          o.status === "completed"
            ? `${o.exitStatus}${score}, ${o.steps} steps${o.costUsd ? `, ${usd(o.costUsd)}` : ""}`
            : o.status === "infrastructure"
              ? `${o.infrastructureError?.kind}: ${o.infrastructureError?.message}`
              : (o.error ?? "");
        this.log(`${o.status.padEnd(8)} ${event.spec.folder}${detail ? `: ${detail}` : ""}`);
        break;
      }
      case "retry":
        this.log(
          `retry    ${event.spec.folder} in ${duration(event.delayMs)} (attempt ${event.attempt}): ${event.reason}`,
        );
        break;
      case "failed":
        this.failed++;
        this.log(`FAILED   ${event.spec.folder}: ${event.reason}`);
        break;
      case "budget":
        this.budget = event.state;
        break;
    }
    this.tick();
  }

  /** The counts line: done/running/failed/queued, cost, throughput and ETA. */
  statusLine(): string {
    const elapsed = Date.now() - this.started;
    const finished = this.done + this.failed;
    const queued = Math.max(0, this.total - this.skipped - finished - this.running.size);
    // (Over at least a second, so that the first episodes do not read as thousands a minute.)
    const perMinute = finished > 0 ? (finished / Math.max(elapsed, 1000)) * 60_000 : 0;
    const eta = perMinute > 0 ? ` ETA ${duration(((queued + this.running.size) / perMinute) * 60_000)}` : "";
    const spent = this.budget ? this.budget.spentUsd : this.cost;
    const cost = this.budget
      ? `cost ${usd(spent)} of ${usd(this.budget.limitUsd)}${this.budget.exhausted ? " (spent: no new episodes)" : ""}`
      : `cost ${usd(spent)}`;
    return `${this.done + this.skipped}/${this.total} done, ${this.running.size} running, ${this.failed} failed, ${queued} queued | ${cost} | ${perMinute.toFixed(1)} episodes/min${eta} | ${duration(elapsed)}`;
  }

  private runningLines(): string[] {
    return [...this.running.values()].map((r) => {
      const p = r.progress;
      const step = p ? `step ${p.step}/${p.maxSteps}` : "starting";
      const best =
        p?.bestScore === null || p?.bestScore === undefined ? "" : `, best ${p.bestScore.toPrecision(4)}`;
      const cost = p?.costUsd ? `, ${usd(p.costUsd)}` : "";
      return `  ${r.spec.folder}: ${step}${best}${cost}${r.worker ? ` (${r.worker})` : ""}`;
    });
  }

  private log(line: string): void {
    if (this.out.tty) {
      this.clear();
      this.out.write(`${line}\n`);
      this.draw();
    } else {
      this.out.write(`mlgym: ${line}\n`);
    }
  }

  private tick(): void {
    if (this.out.tty) {
      this.timer ??= setInterval(() => this.redraw(), 1000).unref();
      this.redraw();
    } else if (Date.now() - this.lastStatus > 30_000) {
      this.lastStatus = Date.now();
      this.out.write(`mlgym: ${this.statusLine()}\n`);
    }
  }

  private clear(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private draw(): void {
    const width = this.out.width ?? 120;
    const lines = [this.statusLine(), ...this.runningLines()].map((l) =>
      l.length > width ? `${l.slice(0, width - 1)}…` : l,
    );
    this.out.write(`${lines.join("\n")}\n`);
    this.drawn = lines.length;
  }

  private redraw(): void {
    this.clear();
    this.draw();
  }

  /** Stops redrawing; the block stays as last drawn. */
  end(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.out.tty) this.redraw();
    else this.out.write(`mlgym: ${this.statusLine()}\n`);
    this.drawn = 0;
  }
}

/** The table printed at the end: per model and task, episodes complete, failed, the mean best score and cost. */
export function summaryTable(plan: BatchPlan, outcomes: Map<string, EpisodeRecord>): string {
  const groups = new Map<
    string,
    { model: string; task: string; n: number; done: number; failed: number; scores: number[]; cost: number }
  >();
  for (const spec of plan.episodes) {
    // The model as its run folders name it (`scripted-name`, not the script's path).
    const model = spec.folder.split("__")[0]!;
    const id = `${model}\0${spec.taskId}`;
    const g = groups.get(id) ?? { model, task: spec.taskId, n: 0, done: 0, failed: 0, scores: [], cost: 0 };
    groups.set(id, g);
    g.n++;
    const o = outcomes.get(spec.key);
    if (!o) continue;
    if (o.status === "completed" || o.status === "skipped") g.done++;
    if (o.status === "infrastructure" || o.status === "error") g.failed++;
    if (typeof o.bestScore === "number") g.scores.push(o.bestScore);
    g.cost += o.costUsd ?? 0;
  }
  const rows = [["model", "task", "complete", "failed", "mean best", "cost USD"]];
  for (const g of groups.values()) {
    const mean = g.scores.length
      ? (g.scores.reduce((a, b) => a + b, 0) / g.scores.length).toPrecision(4)
      : "-";
    rows.push([g.model, g.task, `${g.done}/${g.n}`, String(g.failed), mean, g.cost.toFixed(4)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return `${rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
