import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import { writeJsonAtomic } from "../trajectory/files.js";
import { ATTEMPT_HOST } from "./attempt-host.js";
import { type EpisodeContext, folderState, runPlannedEpisode } from "./episode.js";
import { DeviceSlots } from "./slots.js";
import type { BatchEvent, BatchPlan, EpisodeOutcome, EpisodeSpec, Ledger } from "./types.js";

export type EpisodeRunner = (spec: EpisodeSpec, ctx: EpisodeContext) => Promise<EpisodeOutcome>;

export interface LocalBatchOptions {
  ledger?: Ledger;
  /** Ctrl-C: no new episode starts, running ones end as `interrupted`. */
  signal?: AbortSignal;
  onEvent?: (event: BatchEvent) => void;
  warn?: (line: string) => void;
  /** Runs one episode (tests replace it); default {@link runPlannedEpisode}. */
  runner?: EpisodeRunner;
}

/** An episode's last outcome and how many attempts it took. */
export type EpisodeRecord = EpisodeOutcome & { attempts: number };

export interface BatchResult {
  /** By episode key, for every episode that was started or found complete (plan order). */
  outcomes: Map<string, EpisodeRecord>;
  /** Episodes never started (interrupted batch, spent budget). */
  notStarted: EpisodeSpec[];
  interrupted: boolean;
  budgetExhausted: boolean;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes attempt folders left by processes of this host that are gone (a batch killed with SIGKILL). */
export function removeAbandonedAttempts(outputRoot: string): number {
  const dir = join(outputRoot, ".partial");
  if (!existsSync(dir)) return 0;
  let removed = 0;
  const ours = new RegExp(`\\.${ATTEMPT_HOST.replace(/[.]/g, "\\.")}-(\\d+)-\\d+$`);
  for (const name of readdirSync(dir)) {
    const m = ours.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * Takes the output folder for this process: one local batch per output at a time, so that two starts of a batch
 * neither run the same episodes twice nor each spend a budget of their own. The lock (`.mlgym-batch/lock`, created
 * whole by a hard link, so it is never seen half-written) names its process; one left by a process of this host
 * that is gone (SIGKILL) is taken over. Returns the release.
 */
export function lockOutput(output: string): () => void {
  const dir = join(output, ".mlgym-batch");
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, "lock");
  const mine = { host: hostname(), pid: process.pid, started: new Date().toISOString() };
  const tmp = `${lock}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(mine));
  try {
    for (let tries = 0; ; tries++) {
      try {
        linkSync(tmp, lock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || tries > 2) throw error;
      }
      let holder: { host?: string; pid?: number; started?: string } = {};
      try {
        holder = JSON.parse(readFileSync(lock, "utf8"));
      } catch {
        continue; // removed meanwhile
      }
      if (holder.host === mine.host && typeof holder.pid === "number" && !processAlive(holder.pid)) {
        rmSync(lock, { force: true });
        continue;
      }
      throw new ConfigError(
        `${output} is in use by another mlgym batch (pid ${holder.pid} on ${holder.host}, started ${holder.started}); wait for it to end or use another --output (if that process is gone, remove ${lock})`,
        { field: "--output" },
      );
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  return () => {
    try {
      const holder = JSON.parse(readFileSync(lock, "utf8"));
      if (holder.pid === mine.pid && holder.host === mine.host) rmSync(lock, { force: true });
    } catch {
      // gone already
    }
  };
}

/** The batch's record in its output folder: the plan and each episode's status, rewritten as episodes end. */
function writeManifest(plan: BatchPlan, outcomes: Map<string, EpisodeRecord>, state: string): void {
  writeJsonAtomic(join(plan.output, ".mlgym-batch", `${plan.id}.json`), {
    id: plan.id,
    state,
    updated: new Date().toISOString(),
    settings: {
      concurrency: plan.concurrency,
      perModelConcurrency: plan.perModelConcurrency,
      budgetUsd: plan.budgetUsd ?? null,
      gpus: plan.gpus,
      retries: plan.retries,
    },
    episodes: plan.episodes.map((spec) => {
      const o = outcomes.get(spec.key);
      return {
        spec,
        status: o?.status ?? "pending",
        attempts: o?.attempts ?? 0,
        ...(o ? { outcome: o } : {}),
      };
    }),
  });
}

/** Episode folders of the plan that hold something else: the batch must not start over them. */
export function checkFolders(plan: BatchPlan): void {
  const foreign = plan.episodes.filter((e) => folderState(plan.output, e) === "foreign");
  if (foreign.length > 0) {
    throw new ConfigError(
      `${foreign.length} run folder(s) of this plan already exist and hold other episodes (another plan, edited settings, or runs not made by a batch), e.g. ${join(plan.output, foreign[0]!.folder)}; use another --output or move them away`,
      { field: "--output" },
    );
  }
}

/**
 * Runs a batch on this machine: at most `concurrency` episodes at once (and a model's own cap), each with its
 * devices, skipping episodes already complete on disk; infrastructure failures are retried with a doubling delay,
 * then marked failed without holding up the rest; a spent budget or an abort stops new episodes from starting.
 */
export async function runLocalBatch(plan: BatchPlan, options: LocalBatchOptions = {}): Promise<BatchResult> {
  mkdirSync(plan.output, { recursive: true });
  const release = lockOutput(plan.output);
  try {
    return await runLockedBatch(plan, options);
  } finally {
    release();
  }
}

/** What earlier starts recorded of the episodes they completed (scores and costs for the summary), by key. */
function earlierOutcomes(output: string): Map<string, EpisodeOutcome> {
  const found = new Map<string, EpisodeOutcome>();
  const dir = join(output, ".mlgym-batch");
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir).filter((n) => /^[0-9a-f]+\.json$/.test(n))) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, name), "utf8")) as {
        episodes?: Array<{ outcome?: EpisodeOutcome }>;
      };
      for (const { outcome } of manifest.episodes ?? [])
        if (
          outcome?.exitStatus !== undefined &&
          (outcome.status === "completed" || outcome.status === "skipped")
        )
          found.set(outcome.key, outcome);
    } catch {
      // a manifest being replaced, or not one: the summary shows less
    }
  }
  return found;
}

async function runLockedBatch(plan: BatchPlan, options: LocalBatchOptions): Promise<BatchResult> {
  const runner = options.runner ?? runPlannedEpisode;
  const emit = (event: BatchEvent) => options.onEvent?.(event);
  checkFolders(plan);
  removeAbandonedAttempts(plan.output);
  const outcomes = new Map<string, EpisodeRecord>();
  const pending: Array<{ spec: EpisodeSpec; attempt: number }> = [];
  const earlier = earlierOutcomes(plan.output);
  for (const spec of plan.episodes) {
    if (folderState(plan.output, spec) === "complete") {
      const e = earlier.get(spec.key);
      const recorded = e
        ? {
            exitStatus: e.exitStatus,
            bestScore: e.bestScore ?? null,
            costUsd: e.costUsd ?? null,
            steps: e.steps,
          }
        : {};
      outcomes.set(spec.key, {
        key: spec.key,
        folder: spec.folder,
        ...recorded,
        status: "skipped",
        attempts: 0,
      });
    } else pending.push({ spec, attempt: 1 });
  }
  // The manifest is a record for people: a disk that refuses it must not stop the episodes. It holds every episode,
  // so while the batch runs it is rewritten at most every 2 s and at most 5% of the time (10,000 episodes: ~10 MB,
  // which written at each episode's end would be ~100 GB and hours of a blocked event loop); the last state always.
  let lastWrite = 0;
  let interval = 2000;
  let deferred: NodeJS.Timeout | undefined;
  const record = (state: string) => {
    clearTimeout(deferred);
    deferred = undefined;
    const wait = lastWrite + interval - Date.now();
    if (state === "running" && wait > 0) {
      deferred = setTimeout(() => record(state), wait).unref();
      return;
    }
    const started = Date.now();
    try {
      writeManifest(plan, outcomes, state);
    } catch (error) {
      options.warn?.(`mlgym: the batch's state could not be written: ${(error as Error).message}`);
    }
    lastWrite = Date.now();
    interval = Math.max(2000, 20 * (lastWrite - started));
  };
  emit({ kind: "planned", total: plan.episodes.length, complete: outcomes.size });
  record("running");

  const slots = new DeviceSlots(plan.gpus);
  const perModel = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let waiting = 0; // retries sleeping before their next attempt
  let budgetExhausted = false;
  let counter = 0;
  let wake: () => void = () => {};

  const exhausted = async () => {
    if (!options.ledger || budgetExhausted) return budgetExhausted;
    budgetExhausted = (await options.ledger.state()).exhausted;
    return budgetExhausted;
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      options.signal?.addEventListener("abort", done, { once: true });
    });

  options.signal?.addEventListener("abort", () => wake(), { once: true });
  const start = (spec: EpisodeSpec, attempt: number, devices: string[]) => {
    perModel.set(spec.model, (perModel.get(spec.model) ?? 0) + 1);
    emit({ kind: "started", spec, attempt });
    // Each episode its own signal, following the batch's: listeners do not pile up on one signal.
    const stop = new AbortController();
    const forward = () => stop.abort();
    options.signal?.addEventListener("abort", forward, { once: true });
    const ctx: EpisodeContext = {
      outputRoot: plan.output,
      attemptTag: `${ATTEMPT_HOST}-${process.pid}-${++counter}`,
      ...(options.ledger ? { ledger: options.ledger } : {}),
      signal: stop.signal,
      ...(devices.length ? { devices } : {}),
      ...(options.warn ? { warn: options.warn } : {}),
      onProgress: (progress) => emit({ kind: "progress", progress }),
    };
    const task = (async () => {
      let outcome: EpisodeOutcome;
      try {
        outcome = await runner(spec, ctx);
      } catch (error) {
        outcome = { key: spec.key, folder: spec.folder, status: "error", error: (error as Error).message };
      }
      options.signal?.removeEventListener("abort", forward);
      perModel.set(spec.model, perModel.get(spec.model)! - 1);
      slots.give(devices);
      outcomes.set(spec.key, { ...outcome, attempts: attempt });
      emit({ kind: "finished", spec, outcome, attempt });
      // A rejected API key fails every attempt the same way: not retried (fix the key, run the batch again).
      const auth = outcome.infrastructureError?.kind === "api_auth";
      if (
        outcome.status === "infrastructure" &&
        attempt <= plan.retries &&
        !auth &&
        !options.signal?.aborted
      ) {
        const delayMs = plan.retryDelayMs * 2 ** (attempt - 1);
        const reason = outcome.infrastructureError
          ? `${outcome.infrastructureError.kind}: ${outcome.infrastructureError.message}`
          : "infrastructure failure";
        emit({ kind: "retry", spec, attempt: attempt + 1, delayMs, reason });
        // The wait holds no slot: other episodes run meanwhile.
        waiting++;
        void sleep(delayMs).then(() => {
          waiting--;
          pending.unshift({ spec, attempt: attempt + 1 });
          wake();
        });
      } else if (outcome.status === "infrastructure" || outcome.status === "error") {
        emit({
          kind: "failed",
          spec,
          reason:
            outcome.error ??
            `${outcome.infrastructureError?.kind ?? "infrastructure"}: ${outcome.infrastructureError?.message ?? ""} (after ${attempt} attempt${attempt === 1 ? "" : "s"}${auth ? "; not retried: check the API key" : ""})`,
        });
      }
      if (options.ledger) emit({ kind: "budget", state: await options.ledger.state() });
      record("running");
    })();
    running.add(task);
    // (A fault in the bookkeeping above is reported, never an unhandled rejection that ends the whole batch.)
    void task
      .catch((error) => options.warn?.(`mlgym: ${(error as Error).message}`))
      .finally(() => {
        running.delete(task);
        wake();
      });
  };

  for (;;) {
    if (!options.signal?.aborted && !(await exhausted())) {
      for (let i = 0; i < pending.length && running.size < plan.concurrency; ) {
        const { spec, attempt } = pending[i]!;
        const cap = plan.perModelConcurrency[spec.model];
        const devices =
          cap !== undefined && (perModel.get(spec.model) ?? 0) >= cap
            ? undefined
            : slots.take(spec.gpusPerRun);
        if (!devices) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        start(spec, attempt, devices);
      }
    }
    if (running.size === 0 && (waiting === 0 || options.signal?.aborted)) {
      if (pending.length === 0 || options.signal?.aborted || budgetExhausted) break;
      // Nothing can start although work is left: a model cap or device need no slot can ever meet.
      if (waiting === 0) {
        throw new ConfigError(
          `episode ${pending[0]!.spec.folder} can never start: it needs ${pending[0]!.spec.gpusPerRun} device(s) of ${plan.gpus.length}`,
          { field: "--gpus-per-run" },
        );
      }
    }
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
  const interrupted = options.signal?.aborted ?? false;
  record(interrupted ? "interrupted" : budgetExhausted ? "budget spent" : "done");
  return {
    outcomes,
    notStarted: pending.map((p) => p.spec).filter((s) => !outcomes.has(s.key)),
    interrupted,
    budgetExhausted,
  };
}
