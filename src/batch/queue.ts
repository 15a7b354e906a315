import { DelayedError, type Job, Queue, QueueEvents, UnrecoverableError, WaitingError, Worker } from "bullmq";
import { Redis } from "ioredis";
import { ConfigError, MLGymError } from "../errors.js";
import { ATTEMPT_HOST } from "./attempt-host.js";
import type { EpisodeContext } from "./episode.js";
import { RedisLedger } from "./ledger.js";
import type { BatchResult, EpisodeRecord, EpisodeRunner } from "./local-pool.js";
import { DeviceSlots } from "./slots.js";
import type { BatchEvent, BatchPlan, EpisodeOutcome, EpisodeProgress, EpisodeSpec, Ledger } from "./types.js";

/**
 * Distributed batches on BullMQ. Every batch puts its episodes in ONE well-known queue, `mlgym-episodes`, with the
 * batch id in each job: a worker started before any batch exists consumes every batch enqueued later, and its
 * `--concurrency` bounds all its episodes together (per-batch queues would need workers to discover queues and to
 * share one concurrency across several BullMQ workers). A job's id is `<batch id>-<episode key>`, so enqueuing the
 * same plan again (a restarted coordinator) adds nothing twice.
 */
export const EPISODE_QUEUE = "mlgym-episodes";

/** What a queued job carries: the episode and what a worker on any machine needs to run it. */
export interface EpisodeJobData {
  batchId: string;
  /** Output folder of the batch (a folder every worker sees at this path). */
  output: string;
  /** The batch budget: the worker attaches to the batch's ledger in Redis. */
  budgetUsd?: number;
  spec: EpisodeSpec;
  /** The outcome of the last attempt that failed, written by the worker for the coordinator. */
  lastOutcome?: EpisodeOutcome;
  /** Set when the episode was never started (the batch budget was spent). */
  notStarted?: string;
}

/** Redis cannot be reached at the URL given (an infrastructure failure: exit code 3). */
export class QueueUnreachableError extends MLGymError {
  override name = "QueueUnreachableError";
}

/** The URL as it may be printed: the password hidden. */
export function shownRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

function checkRedisUrl(url: string): void {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new ConfigError(
      `'${url}' is not a URL; expected redis://[user:password@]host:port[/db] or rediss://...`,
      {
        field: "--queue",
      },
    );
  }
  if (protocol !== "redis:" && protocol !== "rediss:") {
    throw new ConfigError(
      `'${shownRedisUrl(url)}' is not a Redis URL; expected redis://host:port or rediss://...`,
      {
        field: "--queue",
      },
    );
  }
}

/** Connects once, without retrying, and fails within `timeoutMs` naming the URL when Redis cannot be reached. */
export async function checkRedisReachable(url: string, timeoutMs = 5000): Promise<void> {
  checkRedisUrl(url);
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  redis.on("error", (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const reason = (lastError ?? (error as Error)).message || "connection refused";
    throw new QueueUnreachableError(`cannot reach Redis at ${shownRedisUrl(url)}: ${reason}`, {
      cause: error,
    });
  } finally {
    redis.disconnect();
  }
}

/** The id of an episode's job: the batch id and the episode key (BullMQ forbids `:` in ids). */
export function jobIdOf(batchId: string, key: string): string {
  return `${batchId}-${key}`;
}

export interface QueueOptions {
  /** Another queue than {@link EPISODE_QUEUE} (separate pools of workers). */
  queueName?: string;
}

export interface EnqueueSummary {
  /** Jobs added now. */
  added: number;
  /** Failed jobs (or completed jobs whose run folder is gone) put back to run again. */
  requeued: number;
  /** Jobs already queued, running or done, left as they are. */
  kept: number;
}

/**
 * Puts a batch in the queue: makes sure its budget (when it has one) is stored as the batch's ledger in Redis, then
 * adds one job per episode. Idempotent: a job already there is kept, except that a failed one is run again (a restarted batch
 * retries what failed) and a completed one whose run folder is not on disk is run again.
 */
export async function enqueueBatch(
  plan: BatchPlan,
  redisUrl: string,
  options: QueueOptions = {},
): Promise<EnqueueSummary> {
  return (await enqueue(plan, redisUrl, options)).summary;
}

/** {@link enqueueBatch}, also saying which jobs were left as they were. */
async function enqueue(
  plan: BatchPlan,
  redisUrl: string,
  options: QueueOptions,
): Promise<{ summary: EnqueueSummary; keptIds: string[] }> {
  await checkRedisReachable(redisUrl);
  if (plan.budgetUsd !== undefined) {
    // The coordinator normally stores the ledger first (openLedger); a plan enqueued alone gets it here.
    const ledger =
      (await RedisLedger.attach(redisUrl, plan.id)) ??
      (await RedisLedger.create(redisUrl, plan.id, plan.budgetUsd));
    await ledger.close();
  }
  const queue = new Queue<EpisodeJobData>(options.queueName ?? EPISODE_QUEUE, {
    connection: { url: redisUrl },
  });
  try {
    const summary: EnqueueSummary = { added: 0, requeued: 0, kept: 0 };
    const keptIds: string[] = [];
    const { folderState } = await import("./episode.js");
    const jobs = await Promise.all(plan.episodes.map((e) => queue.getJob(jobIdOf(plan.id, e.key))));
    const toAdd: EpisodeSpec[] = [];
    for (const [i, spec] of plan.episodes.entries()) {
      const job = jobs[i];
      if (!job) {
        toAdd.push(spec);
        continue;
      }
      if (job.data.output !== plan.output) {
        throw new ConfigError(
          `batch ${plan.id} is already queued with the output folder ${job.data.output}; use that --output, or remove the batch's jobs from the queue first`,
          { field: "--output" },
        );
      }
      const state = await job.getState();
      if (state === "failed" || (state === "completed" && folderState(plan.output, spec) !== "complete")) {
        await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
        summary.requeued++;
      } else {
        summary.kept++;
        keptIds.push(job.id!);
      }
    }
    await queue.addBulk(
      toAdd.map((spec) => ({
        name: "episode",
        data: {
          batchId: plan.id,
          output: plan.output,
          ...(plan.budgetUsd !== undefined ? { budgetUsd: plan.budgetUsd } : {}),
          spec,
        },
        opts: {
          jobId: jobIdOf(plan.id, spec.key),
          attempts: plan.retries + 1,
          backoff: { type: "exponential", delay: plan.retryDelayMs },
        },
      })),
    );
    summary.added = toAdd.length;
    return { summary, keptIds };
  } finally {
    await queue.close();
  }
}

export interface WaitOptions extends QueueOptions {
  onEvent?: (event: BatchEvent) => void;
  /** Stops following the batch (the coordinator's Ctrl-C); the jobs stay with the workers. */
  signal?: AbortSignal;
  /** How often the jobs' states are read besides the queue's events (missed events, a restarted coordinator). */
  pollMs?: number;
}

const SEP = 1;

/** The outcome of a completed job, or of a job's last failed attempt. */
function outcomeOf(job: Job<EpisodeJobData>, spec: EpisodeSpec, completed = false): EpisodeOutcome {
  // A completed job keeps the failedReason of earlier attempts: its state says which outcome stands.
  if (completed && job.returnvalue) return job.returnvalue as EpisodeOutcome;
  if (job.data.lastOutcome) return job.data.lastOutcome;
  // No outcome from a worker: the job failed outside the runner (a worker lost too often, a job that could not start).
  return {
    key: spec.key,
    folder: spec.folder,
    status: "infrastructure",
    infrastructureError: { kind: "other", message: job.failedReason ?? "unknown failure", step: 0 },
  };
}

function failureReason(outcome: EpisodeOutcome, attempts: number): string {
  if (outcome.status === "error") return outcome.error ?? "error";
  const f = outcome.infrastructureError;
  return `${f?.kind ?? "infrastructure"}: ${f?.message ?? ""} (after ${attempts} attempt${attempts === 1 ? "" : "s"})`;
}

/**
 * Follows a queued batch until every episode's job has completed or failed, emitting the batch's events (from the
 * queue's events, checked against the jobs' states every `pollMs`). It may be started any number of times on the
 * same batch (a coordinator restarted meanwhile): what finished before is read from the jobs.
 */
export async function waitForBatch(
  plan: BatchPlan,
  redisUrl: string,
  options: WaitOptions = {},
): Promise<BatchResult> {
  return follow(plan, redisUrl, options);
}

/** Follows a batch; `enqueue` runs once the queue's events are heard, so that no event of the batch is missed. */
async function follow(
  plan: BatchPlan,
  redisUrl: string,
  options: WaitOptions,
  enqueueFirst?: () => Promise<{ keptIds: string[] }>,
): Promise<BatchResult> {
  await checkRedisReachable(redisUrl);
  let quiet = false;
  const emit = (event: BatchEvent) => {
    if (!quiet) options.onEvent?.(event);
  };
  const name = options.queueName ?? EPISODE_QUEUE;
  const queue = new Queue<EpisodeJobData>(name, { connection: { url: redisUrl } });
  const events = new QueueEvents(name, { connection: { url: redisUrl } });
  const ledger = plan.budgetUsd !== undefined ? await RedisLedger.attach(redisUrl, plan.id) : undefined;
  const specs = new Map(plan.episodes.map((s) => [jobIdOf(plan.id, s.key), s]));
  const outcomes = new Map<string, EpisodeRecord>();
  const notStarted = new Map<string, EpisodeSpec>();
  /** Attempts seen failing per job (to tell a retry from a release). */
  const failedAttempts = new Map<string, number>();
  /** Times each job's worker was seen lost. */
  const stalls = new Map<string, number>();
  let budgetExhausted = false;
  const done = (id: string) => outcomes.has(specs.get(id)!.key) || notStarted.has(id);

  // Events are handled one after another, in the order they came, once the batch's start is announced.
  let announced: () => void = () => {};
  let chain = new Promise<void>((resolve) => {
    announced = resolve;
  });
  let wake: () => void = () => {};
  const later = (
    id: string,
    handle: (job: Job<EpisodeJobData>, spec: EpisodeSpec) => Promise<void> | void,
  ) => {
    const spec = specs.get(id);
    if (!spec) return; // another batch's job
    chain = chain
      .then(async () => {
        if (done(id)) return;
        const job = await queue.getJob(id);
        if (job) await handle(job, spec);
      })
      .catch((error: unknown) => emitError(error))
      .finally(() => wake());
  };
  let lastError: unknown;
  const emitError = (error: unknown) => {
    lastError = error;
  };

  const finish = async (job: Job<EpisodeJobData>, spec: EpisodeSpec, state: string) => {
    const id = job.id!;
    if (done(id)) return;
    if (state === "completed") {
      const outcome = outcomeOf(job, spec, true);
      const attempt = Math.max(job.attemptsStarted, 1);
      outcomes.set(spec.key, { ...outcome, attempts: attempt });
      emit({ kind: "finished", spec, outcome, attempt });
    } else if (job.data.notStarted) {
      notStarted.set(id, spec);
      budgetExhausted = true;
    } else {
      const outcome = outcomeOf(job, spec);
      const attempt = Math.max(job.attemptsMade, 1);
      outcomes.set(spec.key, { ...outcome, attempts: attempt });
      emit({ kind: "finished", spec, outcome, attempt });
      emit({ kind: "failed", spec, reason: failureReason(outcome, attempt) });
    }
    if (ledger) {
      const state = await ledger.state();
      budgetExhausted ||= state.exhausted;
      emit({ kind: "budget", state });
    }
  };

  events.on("active", ({ jobId }) =>
    later(jobId, (job, spec) => {
      emit({
        kind: "started",
        spec,
        attempt: job.attemptsStarted,
        ...(job.processedBy ? { worker: job.processedBy } : {}),
      });
    }),
  );
  events.on("progress", ({ jobId, data }) => {
    if (specs.has(jobId) && typeof data === "object" && data !== null && "step" in data)
      emit({ kind: "progress", progress: data as unknown as EpisodeProgress });
  });
  events.on("completed", ({ jobId }) => later(jobId, (job, spec) => finish(job, spec, "completed")));
  events.on("failed", ({ jobId }) => later(jobId, (job, spec) => finish(job, spec, "failed")));
  /**
   * A job back in the queue: a failed attempt that BullMQ retries (after its backoff: `delayed`; at once: `waiting`),
   * a worker lost (`waiting`, then `stalled`: its stalled counter went up), or an episode released by a worker.
   */
  const requeued = (job: Job<EpisodeJobData>, spec: EpisodeSpec, delayMs: number, released: boolean) => {
    const id = job.id!;
    if (job.attemptsMade > (failedAttempts.get(id) ?? 0)) {
      failedAttempts.set(id, job.attemptsMade);
      const outcome = outcomeOf(job, spec);
      emit({ kind: "finished", spec, outcome, attempt: job.attemptsMade });
      const reason = failureReason(outcome, job.attemptsMade);
      emit({ kind: "retry", spec, attempt: job.attemptsMade + 1, delayMs, reason });
    } else if (job.stalledCounter > (stalls.get(id) ?? 0)) {
      stalls.set(id, job.stalledCounter);
      const reason = "worker lost (its lock expired): run again elsewhere";
      emit({ kind: "retry", spec, attempt: job.attemptsStarted + 1, delayMs, reason });
    } else if (released) {
      const reason =
        "released by a worker (stopping, or without the devices it needs): run again from scratch";
      emit({ kind: "retry", spec, attempt: job.attemptsStarted + 1, delayMs, reason });
    }
  };
  events.on("delayed", ({ jobId, delay }) =>
    later(jobId, (job, spec) => requeued(job, spec, Math.max(0, Number(delay) - Date.now()), true)),
  );
  events.on("waiting", ({ jobId, prev }) => {
    if (prev === "active") later(jobId, (job, spec) => requeued(job, spec, 0, true));
  });
  events.on("stalled", ({ jobId }) => later(jobId, (job, spec) => requeued(job, spec, 0, false)));
  events.on("error", emitError);
  queue.on("error", emitError);

  /** Reads the state of every unfinished job: what finished while no event was seen. */
  const reconcile = async (ids: Iterable<string> = specs.keys(), first = false) => {
    for (const id of ids) {
      const spec = specs.get(id)!;
      if (done(id)) continue;
      const job = await queue.getJob(id);
      if (!job) {
        throw new MLGymError(
          `episode ${spec.folder} of batch ${plan.id} is not in the queue '${name}'; enqueue the batch first`,
        );
      }
      if (first) {
        // Retries and lost workers from before this start are not announced again.
        failedAttempts.set(id, job.attemptsMade);
        stalls.set(id, job.stalledCounter);
      }
      const state = await job.getState();
      if (state === "completed" || state === "failed") await finish(job, spec, state);
    }
  };

  try {
    await events.waitUntilReady();
    // Already finished (a restarted coordinator): counted, not announced again as they happen.
    // What finished before (a restarted coordinator) is counted, not announced as it happens; jobs this start
    // added or requeued are followed by their events.
    const before = enqueueFirst ? (await enqueueFirst()).keptIds : undefined;
    quiet = true;
    await reconcile(before, true);
    quiet = false;
    emit({ kind: "planned", total: plan.episodes.length, complete: outcomes.size + notStarted.size });
    for (const record of outcomes.values()) {
      if (record.status === "error" || record.status === "infrastructure") {
        const spec = plan.episodes.find((s) => s.key === record.key)!;
        emit({ kind: "failed", spec, reason: failureReason(record, record.attempts) });
      }
    }
    announced();
    const pollMs = options.pollMs ?? 2000;
    let lastPoll = Date.now();
    while ([...specs.keys()].some((id) => !done(id)) && !options.signal?.aborted) {
      if (lastError) throw lastError;
      await new Promise<void>((resolve) => {
        wake = resolve;
        const timer = setTimeout(resolve, Math.max(SEP, pollMs - (Date.now() - lastPoll)));
        options.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (Date.now() - lastPoll >= pollMs) {
        await chain;
        await reconcile();
        lastPoll = Date.now();
      }
    }
    await chain;
    const ordered = new Map<string, EpisodeRecord>();
    for (const spec of plan.episodes) {
      const record = outcomes.get(spec.key);
      if (record) ordered.set(spec.key, record);
    }
    return {
      outcomes: ordered,
      notStarted: plan.episodes.filter((s) => !outcomes.has(s.key)),
      interrupted: options.signal?.aborted ?? false,
      budgetExhausted,
    };
  } finally {
    await Promise.allSettled([events.close(), queue.close(), ledger?.close()]);
  }
}

/**
 * `mlgym batch --queue`: enqueues the plan (idempotent) and follows it until every episode is done. The coordinator's
 * abort only stops following: the workers go on, and starting the coordinator again re-attaches to the batch.
 */
export async function runQueuedBatch(
  plan: BatchPlan,
  redisUrl: string,
  options: WaitOptions = {},
): Promise<BatchResult> {
  return follow(plan, redisUrl, options, () => enqueue(plan, redisUrl, options));
}

/** Lock settings: how soon the episode of a worker that died (SIGKILL, lost machine) is delivered again. */
export interface LockSettings {
  /** A running episode's lock lasts this long and is renewed every half of it (default 30 s). */
  lockDurationMs?: number;
  /** How often a worker looks for episodes whose lock expired (default: the lock duration). */
  stalledIntervalMs?: number;
  /** A job whose worker was lost more than this many times is failed (default 2). */
  maxStalledCount?: number;
}

export interface WorkerOptions extends QueueOptions, LockSettings {
  redisUrl: string;
  /** Episodes at once (default 1). */
  concurrency?: number;
  /** Device ids to hand out; an episode gets `gpusPerRun` of them, never one in use. */
  devices?: string[];
  /** Runs one episode (tests replace it); default `runPlannedEpisode`. */
  runner?: EpisodeRunner;
  /** Plain lines: episodes taken, finished, retried, released. */
  log?: (line: string) => void;
  /** Names this worker in jobs (`processedBy`) and attempt folders (default `<host>-<pid>`). */
  name?: string;
}

export interface EpisodeWorker {
  name: string;
  /** Graceful stop: takes no new episode, aborts running ones (released to other workers), then closes. */
  close(): Promise<void>;
  /** Episodes running now. */
  readonly running: number;
}

/** A pool of device ids with waiting: `acquire` resolves once `count` ids are free. */
class DeviceWaitList {
  private readonly slots: DeviceSlots;
  private readonly waiters: Array<() => void> = [];

  constructor(devices: string[]) {
    this.slots = new DeviceSlots(devices);
  }

  async acquire(count: number, signal: AbortSignal): Promise<string[] | undefined> {
    for (;;) {
      const taken = this.slots.take(count);
      if (taken || signal.aborted) return taken;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal.addEventListener("abort", () => resolve(), { once: true });
      });
    }
  }

  release(devices: string[]): void {
    this.slots.give(devices);
    for (const w of this.waiters.splice(0)) w();
  }
}

function describeOutcome(o: EpisodeOutcome): string {
  const parts = [o.exitStatus ?? o.status];
  if (o.bestScore !== undefined && o.bestScore !== null) parts.push(`best ${o.bestScore}`);
  if (typeof o.costUsd === "number") parts.push(`$${o.costUsd.toFixed(4)}`);
  if (o.steps !== undefined) parts.push(`${o.steps} steps`);
  return parts.join(", ");
}

/**
 * Starts a worker on the episode queue: runs up to `concurrency` episodes at once, each into the batch's output
 * folder, with the batch's ledger; an infrastructure failure is retried by BullMQ with backoff, an `error` fails the
 * job at once, and an episode interrupted by {@link EpisodeWorker.close} is put back in the queue without counting
 * as an attempt. A worker that dies holding an episode loses its lock, and another worker runs the episode again.
 */
export async function startWorker(options: WorkerOptions): Promise<EpisodeWorker> {
  await checkRedisReachable(options.redisUrl);
  // The episode machinery is loaded once Redis answered: an unreachable queue is reported at once.
  const runner = options.runner ?? (await import("./episode.js")).runPlannedEpisode;
  const log = options.log ?? (() => {});
  const name = options.name ?? `${ATTEMPT_HOST}-${process.pid}`;
  const devices = options.devices ?? [];
  const pool = new DeviceWaitList(devices);
  const ledgers = new Map<string, Promise<Ledger | undefined>>();
  const controllers = new Set<AbortController>();
  let stopping = false;

  const ledgerOf = (data: EpisodeJobData): Promise<Ledger | undefined> => {
    if (data.budgetUsd === undefined) return Promise.resolve(undefined);
    let ledger = ledgers.get(data.batchId);
    if (!ledger) {
      ledger = RedisLedger.attach(options.redisUrl, data.batchId);
      ledgers.set(data.batchId, ledger);
    }
    return ledger;
  };

  const process_ = async (job: Job<EpisodeJobData>, token?: string): Promise<EpisodeOutcome> => {
    const { spec } = job.data;
    const ledger = await ledgerOf(job.data);
    if (job.data.budgetUsd !== undefined && !ledger)
      throw new UnrecoverableError(`the budget of batch ${job.data.batchId} is not in Redis`);
    if (ledger && (await ledger.state()).exhausted) {
      await job.updateData({ ...job.data, notStarted: "the batch budget is spent" });
      log(`not started ${spec.folder}: the batch budget is spent`);
      throw new UnrecoverableError("not started: the batch budget is spent");
    }
    if (spec.gpusPerRun > devices.length) {
      // Another worker may have the devices: a job this worker can never run is not failed, only not taken here.
      log(
        `left ${spec.folder} to others: it needs ${spec.gpusPerRun} device(s), this worker has ${devices.length}`,
      );
      await job.moveToDelayed(Date.now() + 5000, token);
      throw new DelayedError();
    }
    const controller = new AbortController();
    controllers.add(controller);
    if (stopping) controller.abort();
    let given: string[] = [];
    try {
      given = (await pool.acquire(spec.gpusPerRun, controller.signal)) ?? [];
      let outcome: EpisodeOutcome;
      if (controller.signal.aborted) outcome = { key: spec.key, folder: spec.folder, status: "interrupted" };
      else {
        log(
          `taken ${spec.folder} (batch ${job.data.batchId}, attempt ${job.attemptsStarted}${given.length ? `, devices ${given.join(",")}` : ""})`,
        );
        const ctx: EpisodeContext = {
          outputRoot: job.data.output,
          attemptTag: `${name}-${job.attemptsStarted}`,
          signal: controller.signal,
          onProgress: (p) => void job.updateProgress({ ...p }).catch(() => {}),
          warn: (line) => log(`${spec.folder}: ${line}`),
          ...(ledger ? { ledger } : {}),
          ...(given.length ? { devices: given } : {}),
        };
        try {
          outcome = await runner(spec, ctx);
        } catch (error) {
          outcome = { key: spec.key, folder: spec.folder, status: "error", error: (error as Error).message };
        }
      }
      switch (outcome.status) {
        case "completed":
        case "skipped":
          log(
            `finished ${spec.folder}: ${outcome.status === "skipped" ? "already complete" : describeOutcome(outcome)}`,
          );
          return outcome;
        case "interrupted":
          // Not the episode's fault: back to the queue, no attempt used, another worker runs it from scratch.
          log(`released ${spec.folder}: this worker is stopping`);
          await job.moveToWait(token);
          throw new WaitingError();
        case "infrastructure": {
          await job.updateData({ ...job.data, lastOutcome: outcome });
          const f = outcome.infrastructureError;
          if (f?.kind === "api_auth") {
            // A rejected key fails the same way every time: not retried (as in a local batch).
            log(
              `infrastructure failure in ${spec.folder} (api_auth: ${f.message}); not retried: check the API key`,
            );
            throw new UnrecoverableError(
              `infrastructure failure (api_auth): ${f.message}; not retried: check the API key`,
            );
          }
          const left = (job.opts.attempts ?? 1) - job.attemptsMade - 1;
          log(
            `infrastructure failure in ${spec.folder} (${f?.kind ?? "other"}: ${f?.message ?? ""}); ${left > 0 ? `retried later (${left} attempt${left === 1 ? "" : "s"} left)` : "no attempts left"}`,
          );
          throw new Error(`infrastructure failure (${f?.kind ?? "other"}): ${f?.message ?? ""}`);
        }
        case "error":
          await job.updateData({ ...job.data, lastOutcome: outcome });
          log(`failed ${spec.folder}: ${outcome.error ?? "error"}`);
          throw new UnrecoverableError(outcome.error ?? "error");
      }
    } finally {
      controllers.delete(controller);
      pool.release(given);
    }
  };

  const worker = new Worker<EpisodeJobData, EpisodeOutcome>(options.queueName ?? EPISODE_QUEUE, process_, {
    connection: { url: options.redisUrl },
    name,
    concurrency: options.concurrency ?? 1,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? options.lockDurationMs ?? 30_000,
    maxStalledCount: options.maxStalledCount ?? 2,
  });
  worker.on("error", (error) => log(`queue error: ${error.message}`));
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  return {
    name,
    get running() {
      return controllers.size;
    },
    close() {
      closing ??= (async () => {
        stopping = true;
        // close() first: once it is closing, the worker fetches no job after the released ones.
        const closed = worker.close();
        for (const c of controllers) c.abort();
        await closed;
        await Promise.allSettled([...ledgers.values()].map(async (l) => (await l)?.close()));
      })();
      return closing;
    },
  };
}
