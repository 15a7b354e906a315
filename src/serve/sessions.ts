import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { TaskSpec } from "../config/load-task.js";
import { type EnvOptions, MLGymEnv } from "../env/env.js";
import { type Snapshot, SnapshotLimitError, SnapshotNotFoundError, SnapshotStore } from "../env/snapshot.js";
import type { ResetInfo, StepResult } from "../env/types.js";
import { ConfigError } from "../errors.js";
import { discoverTasks, loadTask } from "../tasks/registry.js";
import { type RecordedPrefix, TrajectoryRecorder } from "../trajectory/recorder.js";
import { ServeError } from "./errors.js";
import type { EpisodeSettings, ResetArgs } from "./requests.js";

/** How the server runs its sessions. */
export interface SessionOptions {
  /** Extra folders with task YAMLs. */
  tasksDirs: string[];
  /** Folders task YAMLs may name paths in. */
  dataRoots: string[];
  /** Task ids clients may choose; every task found when absent. */
  tasks?: string[];
  /** Sandbox backend (default: bwrap where it works). */
  sandbox?: string;
  /** Live sessions (each holding at most one sandbox) at most. */
  maxEnvs: number;
  /** Seconds without a request after which a session is closed. */
  idleTimeoutS: number;
  /** Folder of the episodes' `<task>__<episode_id>/` folders. */
  outputDir: string;
  /** Characters an action may have. */
  maxActionChars: number;
  /** Steps per episode unless the client says otherwise (default 50). */
  defaultMaxSteps?: number;
  /** Further environment options (timeouts, work folder). */
  envOptions?: EnvOptions;
  /** Snapshots the server keeps at once (default 64). */
  maxSnapshots?: number;
  /** The task of requests that name none when several are served (OpenEnv's MCP client cannot name one). */
  defaultTask?: string;
}

/** A served task as listed to clients. */
export interface TaskListing {
  id: string;
  name: string;
  description: string;
}

/** The state of a session's episode. */
export interface SessionState {
  task_id: string | null;
  episode_id: string | null;
  step_count: number;
  done: boolean;
  policy_version: string | null;
  max_steps: number;
}

/** A snapshot as told to clients. */
export interface SnapshotListing {
  snapshot_id: string;
  task_id: string;
  episode_id: string | null;
  step: number;
  created_at: string;
}

/** What the server keeps with a snapshot: the recording so far, for the forks' trajectories. */
type SnapshotExtra = {
  episodeId: string | null;
  prefix: RecordedPrefix;
};

/** A snapshot taken through the server (every snapshot of its store is). */
type ServedSnapshot = Snapshot & { extra: SnapshotExtra };

/** A snapshot error in the server's terms: an unknown id is NOT_FOUND, a full store CAPACITY_REACHED. */
function snapshotError(error: unknown): unknown {
  if (error instanceof SnapshotNotFoundError) return new ServeError("NOT_FOUND", error.message, {}, error);
  if (error instanceof SnapshotLimitError)
    return new ServeError("CAPACITY_REACHED", error.message, {}, error);
  return error;
}

/** What a reset returns. */
export interface SessionReset {
  observation: string;
  info: ResetInfo & { episode_id: string };
}

/** Seconds a step may outlast the environment's own longest time limit before the server stops it. */
const STEP_GRACE_S = 60;
/** Milliseconds a closing session waits for its step in flight to come back after interrupting it. */
const CLOSE_WAIT_MS = 3000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 120) || "episode";
}

/**
 * One client's session: at most one environment (one sandbox) and the recorder of its current episode. Requests
 * run one at a time in arrival order; a session idle for too long closes itself.
 */
export class Session {
  readonly id = randomUUID();
  readonly transport: "ws" | "http";
  taskId: string | undefined;
  settings: EpisodeSettings;
  episodeId: string | undefined;
  /** Called once the session is closed, with the reason (`close`, `disconnect`, `idle_timeout`, `shutdown`, ...). */
  onClosed: ((reason: string) => void) | undefined;
  private env: MLGymEnv | undefined;
  private envKey = "";
  private recorder: TrajectoryRecorder | undefined;
  private episodeOver = false;
  private queue: Promise<unknown> = Promise.resolve();
  private busy = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly manager: SessionManager,
    transport: "ws" | "http",
    settings: EpisodeSettings,
    taskId?: string,
  ) {
    this.transport = transport;
    this.settings = settings;
    this.taskId = taskId;
    this.touch();
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** True between a reset and the end of its episode. */
  get inEpisode(): boolean {
    return this.recorder !== undefined && !this.episodeOver;
  }

  get maxSteps(): number {
    return this.settings.maxSteps ?? this.manager.options.defaultMaxSteps ?? 50;
  }

  /**
   * Starts a new episode in a fresh workspace, or, with `snapshotId`, a fork of that snapshot (its task, its
   * workspace and shell, its step count; the trajectory starts with the steps up to it). An unfinished episode is
   * recorded as ended by the reset.
   */
  reset(args: ResetArgs): Promise<SessionReset> {
    return this.exclusive(async () => {
      const snapshot = this.manager.snapshot(args.snapshotId);
      if (
        snapshot &&
        args.taskId !== undefined &&
        this.manager.resolveTask(args.taskId) !== snapshot.taskId
      ) {
        throw new ServeError(
          "VALIDATION_ERROR",
          `snapshot ${snapshot.id} is of task '${snapshot.taskId}', not '${args.taskId}'; leave task_id out to fork it`,
          { errors: [{ loc: ["task_id"], msg: "does not match the snapshot's task", type: "value_error" }] },
        );
      }
      const taskId = snapshot?.taskId ?? this.manager.resolveTask(args.taskId ?? this.taskId);
      const settings: EpisodeSettings = { ...this.settings };
      if (args.maxSteps !== undefined) settings.maxSteps = args.maxSteps;
      if (args.maxObservationChars !== undefined) settings.maxObservationChars = args.maxObservationChars;
      if (args.policyVersion !== undefined) settings.policyVersion = args.policyVersion;
      this.settings = settings;
      await this.endEpisode("unfinished (reset)");
      this.taskId = taskId;
      const key = JSON.stringify([taskId, this.maxSteps, settings.maxObservationChars]);
      if (!this.env || key !== this.envKey) {
        await this.env?.close();
        this.env = this.manager.createEnv(taskId, this.maxSteps, settings.maxObservationChars);
        this.envKey = key;
      }
      const env = this.env;
      let reset: Awaited<ReturnType<MLGymEnv["reset"]>>;
      try {
        reset = await env.reset({
          ...(args.seed === undefined ? {} : { seed: args.seed }),
          ...(snapshot ? { fromSnapshot: snapshot.id } : {}),
        });
      } catch (error) {
        const mapped = snapshotError(error);
        if (mapped !== error) throw mapped;
        throw new ServeError(
          "EXECUTION_ERROR",
          `reset of task '${taskId}' failed: ${(error as Error).message}; the session stays open (reset again or close it)`,
          {},
          error,
        );
      }
      const episodeId = args.episodeId ?? randomUUID();
      this.episodeId = episodeId;
      this.episodeOver = false;
      this.recorder = new TrajectoryRecorder({
        dir: this.manager.episodeDir(taskId, episodeId),
        taskId,
        baseline: reset.info.baselineScores,
        policyVersion: settings.policyVersion,
        episodeId,
        forkedFrom: snapshot && {
          origin: {
            snapshot_id: snapshot.id,
            episode_id: snapshot.extra.episodeId,
            step: snapshot.episode.step,
          },
          prefix: snapshot.extra.prefix,
        },
      });
      if (!snapshot) this.recorder.start(reset.observation);
      return { observation: reset.observation, info: { ...reset.info, episode_id: episodeId } };
    });
  }

  /** Runs one action of the current episode and records it. */
  step(command: string): Promise<StepResult> {
    return this.exclusive(async () => {
      const env = this.env;
      const recorder = this.recorder;
      if (!env || !recorder)
        throw new ServeError("EPISODE_ENDED", "no episode in progress: reset first (with a task_id)");
      if (this.episodeOver) {
        throw new ServeError(
          "EPISODE_ENDED",
          `the episode ${this.episodeId} has ended (${recorder.steps} steps, ${recorder.exitStatus}); reset to start another`,
        );
      }
      let result: StepResult;
      try {
        result = await this.stepWithin(env, command);
      } catch (error) {
        if (error instanceof ServeError) throw error;
        await this.endEpisode("early_exit").catch(() => {});
        throw new ServeError(
          "EXECUTION_ERROR",
          `the step failed: ${(error as Error).message}; the episode is over (reset to start another)`,
          {},
          error,
        );
      }
      const done = result.terminated || result.truncated;
      if (done) this.episodeOver = true;
      recorder.step(
        {
          action: command,
          observation: result.observation,
          response: "",
          state: "",
          thought: "",
          execution_time: result.info.executionTime,
        },
        {
          scores: result.info.scores,
          submission: result.info.submission,
          exitStatus: done ? (result.info.exitStatus ?? "unknown_error") : undefined,
        },
      );
      // The last step's files are complete before the client hears the episode ended.
      if (done) await recorder.settled();
      return result;
    });
  }

  /** The step, or, when it outlasts every time limit of the environment, an interrupt and then an error. */
  private async stepWithin(env: MLGymEnv, command: string): Promise<StepResult> {
    const step = env.step(command);
    let timer: NodeJS.Timeout | undefined;
    const limitMs = (env.longTimeoutS + STEP_GRACE_S) * 1000;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), limitMs);
    });
    try {
      const first = await Promise.race([step, late]);
      if (first !== "late") return first;
      await env.interrupt();
      const after = await Promise.race([step, delay(10_000).then(() => "late" as const)]);
      if (after !== "late") return after;
      step.catch(() => {});
      void this.close("step_timeout");
      throw new ServeError(
        "EXECUTION_ERROR",
        `the step did not end within ${limitMs / 1000} s and could not be interrupted; the session is closed`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Takes a snapshot of the current episode between its steps (see MLGymEnv.snapshot). */
  snapshot(): Promise<SnapshotListing> {
    return this.exclusive(async () => {
      const env = this.env;
      const recorder = this.recorder;
      if (!env || !recorder || this.episodeOver) {
        throw new ServeError(
          "EPISODE_ENDED",
          "no episode in progress: snapshots are taken between the steps of an episode (reset first)",
        );
      }
      const extra: SnapshotExtra = { episodeId: this.episodeId ?? null, prefix: recorder.prefix() };
      try {
        const id = await env.snapshot(extra);
        return this.manager.listing(this.manager.snapshot(id)!);
      } catch (error) {
        throw snapshotError(error);
      }
    });
  }

  /** The episode's state (no step, no sandbox work). */
  state(): SessionState {
    this.touch();
    return {
      task_id: this.taskId ?? null,
      episode_id: this.episodeId ?? null,
      step_count: this.env && this.recorder ? this.env.currentStep : 0,
      done: this.recorder !== undefined && this.episodeOver,
      policy_version: this.settings.policyVersion ?? null,
      max_steps: this.maxSteps,
    };
  }

  /** The toolset of the session's environment (for MCP tool calls). */
  get environment(): MLGymEnv | undefined {
    return this.env;
  }

  /**
   * Closes the session: a step in flight is interrupted (and briefly waited for), an unfinished episode is recorded
   * as `unfinished (<reason>)`, the sandbox is removed. Idempotent.
   */
  close(reason: string): Promise<void> {
    this.closing ??= (async () => {
      clearTimeout(this.idleTimer);
      const env = this.env;
      if (env?.stepInProgress) await env.interrupt().catch(() => {});
      await Promise.race([this.queue, delay(CLOSE_WAIT_MS)]);
      await this.endEpisode(`unfinished (${reason})`).catch(() => {});
      await env?.close().catch(() => {});
      this.manager.release(this);
      this.onClosed?.(reason);
    })();
    return this.closing;
  }

  /** Ends the episode's record (if it is still open) and waits until its files are written. */
  private async endEpisode(status: string): Promise<void> {
    const recorder = this.recorder;
    if (!recorder) return;
    if (!recorder.finished) recorder.end(status);
    this.episodeOver = true;
    await recorder.settled();
  }

  /** Runs requests one at a time; the idle clock stops while one runs. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new ServeError("SESSION_ERROR", "the session is closed"));
    const run = this.queue.then(async () => {
      if (this.closed) throw new ServeError("SESSION_ERROR", "the session is closed");
      this.busy++;
      clearTimeout(this.idleTimer);
      try {
        return await work();
      } finally {
        this.busy--;
        this.touch();
      }
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private touch(): void {
    clearTimeout(this.idleTimer);
    if (this.busy > 0 || this.closed) return;
    this.idleTimer = setTimeout(
      () => void this.close("idle_timeout"),
      this.manager.options.idleTimeoutS * 1000,
    );
    this.idleTimer.unref();
  }
}

/** Every live session of the server, bounded by `maxEnvs`, and the tasks they may play. */
export class SessionManager {
  readonly options: SessionOptions;
  private readonly sessions = new Map<string, Session>();
  private readonly served: string[];
  private readonly specs = new Map<string, TaskSpec>();
  /** The snapshots of every session's episodes (any session may fork any of them). */
  readonly snapshots: SnapshotStore;

  /** Checks the served tasks: an unknown id in `options.tasks` is a ConfigError listing those that exist. */
  constructor(options: SessionOptions) {
    this.options = options;
    const found = discoverTasks(options.tasksDirs);
    if (options.tasks) {
      for (const id of options.tasks) {
        if (!found.has(id)) {
          throw new ConfigError(
            `unknown task '${id}'; available: ${[...found.keys()].sort().join(", ") || "(none found)"}`,
            { field: "--tasks" },
          );
        }
      }
      this.served = [...new Set(options.tasks)];
    } else {
      this.served = [...found].filter(([, e]) => !e.problem).map(([id]) => id);
    }
    this.served.sort();
    const fallback = options.defaultTask?.replace(/^mlgym\//, "");
    if (fallback !== undefined && !this.served.includes(fallback)) {
      throw new ConfigError(
        `'${options.defaultTask}' is not a served task; served: ${this.served.join(", ")}`,
        {
          field: "--default-task",
        },
      );
    }
    this.snapshots = new SnapshotStore({
      ...(options.envOptions?.workRoot ? { root: options.envOptions.workRoot } : {}),
      maxSnapshots: options.maxSnapshots ?? 64,
    });
  }

  /** The snapshot of an id (undefined for none), or NOT_FOUND. */
  snapshot(id: string | undefined): ServedSnapshot | undefined {
    if (id === undefined) return undefined;
    try {
      return this.snapshots.get(id) as ServedSnapshot;
    } catch (error) {
      throw snapshotError(error);
    }
  }

  /** A snapshot as told to clients. */
  listing(snapshot: ServedSnapshot): SnapshotListing {
    return {
      snapshot_id: snapshot.id,
      task_id: snapshot.taskId,
      episode_id: snapshot.extra.episodeId,
      step: snapshot.episode.step,
      created_at: snapshot.createdAt,
    };
  }

  /** Every snapshot held, oldest first. */
  listSnapshots(): SnapshotListing[] {
    return this.snapshots.list().map((s) => this.listing(s as ServedSnapshot));
  }

  /** Deletes a snapshot, or NOT_FOUND. */
  async deleteSnapshot(id: string): Promise<void> {
    if (!(await this.snapshots.delete(id)))
      throw new ServeError("NOT_FOUND", `no snapshot '${id}' (deleted, or never taken)`);
  }

  /** Live sessions (closing ones included: their sandboxes still exist). */
  get size(): number {
    return this.sessions.size;
  }

  /** Ids of the tasks clients may choose. */
  get taskIds(): string[] {
    return [...this.served];
  }

  /** A new session, or CAPACITY_REACHED when `maxEnvs` are live. */
  create(transport: "ws" | "http", settings: EpisodeSettings = {}, taskId?: string): Session {
    if (this.sessions.size >= this.options.maxEnvs) {
      throw new ServeError(
        "CAPACITY_REACHED",
        `the server already runs ${this.sessions.size} environments (--max-envs ${this.options.maxEnvs}); close one or try later`,
        { active_sessions: this.sessions.size, max_sessions: this.options.maxEnvs },
      );
    }
    const session = new Session(
      this,
      transport,
      settings,
      taskId === undefined ? undefined : this.resolveTask(taskId),
    );
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of an id, or NOT_FOUND. */
  get(id: string): Session {
    const session = this.sessions.get(id);
    if (!session || session.closed)
      throw new ServeError("NOT_FOUND", `no environment '${id}' (closed, or never created)`);
    return session;
  }

  /** Closes every session (trajectories written). */
  async closeAll(reason: string): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close(reason)));
  }

  /** A served task's id (`mlgym/` prefix allowed), or NOT_FOUND listing the served ones. */
  resolveTask(id: string | undefined): string {
    if (id === undefined) {
      if (this.options.defaultTask !== undefined) return this.resolveTask(this.options.defaultTask);
      if (this.served.length === 1) return this.served[0]!;
      throw new ServeError(
        "VALIDATION_ERROR",
        `task_id is required (or a server started with --default-task); served tasks: ${this.served.join(", ")}`,
        {
          errors: [{ loc: ["task_id"], msg: "field required", type: "missing" }],
        },
      );
    }
    const taskId = id.replace(/^mlgym\//, "");
    if (!this.served.includes(taskId))
      throw new ServeError("NOT_FOUND", `unknown task '${id}'; served tasks: ${this.served.join(", ")}`);
    return taskId;
  }

  /** The served tasks with their names and descriptions. */
  listTasks(): TaskListing[] {
    return this.served.map((id) => {
      const spec = this.spec(id);
      return { id, name: spec.config.name, description: spec.description };
    });
  }

  /** An environment of a served task (no sandbox until its reset). */
  createEnv(taskId: string, maxSteps: number, maxObservationChars: number | undefined): MLGymEnv {
    const o = this.options;
    return new MLGymEnv(this.spec(taskId), {
      ...o.envOptions,
      ...(o.sandbox ? { sandbox: o.sandbox } : {}),
      snapshots: this.snapshots,
      maxSteps,
      ...(maxObservationChars ? { maxObservationChars } : {}),
    });
  }

  /** A fresh folder name for an episode's files: `<task>__<episode_id>`, suffixed when taken. */
  episodeDir(taskId: string, episodeId: string): string {
    const base = join(this.options.outputDir, `${taskId}__${safeName(episodeId)}`);
    let dir = base;
    for (let i = 2; existsSync(dir); i++) dir = `${base}__${i}`;
    return dir;
  }

  /** Forgets a closed session. */
  release(session: Session): void {
    this.sessions.delete(session.id);
  }

  private spec(id: string): TaskSpec {
    let spec = this.specs.get(id);
    if (!spec) {
      spec = loadTask(id, this.options.tasksDirs, { roots: this.options.dataRoots });
      this.specs.set(id, spec);
    }
    return spec;
  }
}
