import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { HistoryEntry } from "../agent/history.js";
import type { Metrics } from "../config/task-config.js";
import type { TrajectoryFile, TrajectoryStep } from "./files.js";

/** A `.traj` file of an episode played through the server: the original's shape plus the client's episode id. */
export type RecordedTrajectory = TrajectoryFile & {
  info: TrajectoryFile["info"] & { episode_id?: string; forked_from?: ForkOrigin };
};

/** Where a forked episode came from: the snapshot, the episode it was taken in, and the step. */
export interface ForkOrigin {
  snapshot_id: string;
  episode_id: string | null;
  step: number;
}

/** A recorded episode so far, as a fork's recording starts from it. */
export interface RecordedPrefix {
  trajectory: TrajectoryStep[];
  history: HistoryEntry[];
  scores: Metrics[];
  submission: string | null;
}

export interface RecorderOptions {
  /** Folder of `<taskId>.traj` and `results.json`. */
  dir: string;
  taskId: string;
  /** Baseline metrics written to `results.json`. */
  baseline?: Metrics | undefined;
  /** Tag of the policy that acts, recorded as `info.policy_version`. */
  policyVersion?: string | undefined;
  /** The caller's id of the episode, recorded as `info.episode_id`. */
  episodeId?: string | undefined;
  /** Name of the agent in history entries (the original's `primary_0`). */
  agent?: string;
  /** A fork's recording starts with its parent's steps up to the snapshot (`start` is then not called). */
  forkedFrom?: { origin: ForkOrigin; prefix: RecordedPrefix } | undefined;
}

/** What a step changed in the episode's outcome. */
export interface StepOutcome {
  /** Every successful evaluation so far, in order. */
  scores: Metrics[];
  /** The evaluated artefact, on an evaluation step. */
  submission?: string | undefined;
  /** Set on the step that ended the episode. */
  exitStatus?: string | undefined;
}

let tmpCounter = 0;

/** Writes JSON through a temporary file and a rename, without blocking the event loop. */
async function writeJsonAtomicAsync(path: string, data: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * Records one episode as the original's `.traj` and `results.json`, rewriting both atomically after every change,
 * so that however the episode ends its files are complete up to the last step. Writes do not block the event loop
 * and are coalesced (at most one in flight, the latest state next); `settled()` waits until the files are current.
 */
export class TrajectoryRecorder {
  readonly trajectoryFile: string;
  readonly resultsFile: string;
  private readonly traj: RecordedTrajectory;
  private readonly baseline: Metrics | undefined;
  private readonly agent: string;
  private ended = false;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private failure: unknown;

  constructor(options: RecorderOptions) {
    this.trajectoryFile = join(options.dir, `${options.taskId}.traj`);
    this.resultsFile = join(options.dir, "results.json");
    this.baseline = options.baseline;
    this.agent = options.agent ?? "primary_0";
    this.traj = {
      environment: "mlgym_main",
      trajectory: [],
      history: [],
      info: {
        model_stats: { total_cost: 0, task_cost: 0, tokens_sent: 0, tokens_received: 0, api_calls: 0 },
        exit_status: "",
        submission: null,
        score: [],
        summarizer: {},
        ...(options.policyVersion ? { policy_version: options.policyVersion } : {}),
        ...(options.episodeId ? { episode_id: options.episodeId } : {}),
        ...(options.forkedFrom ? { forked_from: options.forkedFrom.origin } : {}),
      },
    };
    const prefix = options.forkedFrom?.prefix;
    if (prefix) {
      const copy = structuredClone(prefix);
      this.traj.trajectory.push(...copy.trajectory);
      this.traj.history.push(...copy.history);
      this.traj.info.score = copy.scores;
      this.traj.info.submission = copy.submission;
      this.flush();
    }
  }

  /** The episode so far, for a snapshot (a copy: later steps do not change it). */
  prefix(): RecordedPrefix {
    return structuredClone({
      trajectory: this.traj.trajectory,
      history: this.traj.history,
      scores: this.traj.info.score,
      submission: this.traj.info.submission,
    });
  }

  /** True once `end` ran or a step ended the episode. */
  get finished(): boolean {
    return this.ended;
  }

  /** The episode's exit status so far ("" while it runs). */
  get exitStatus(): string {
    return this.traj.info.exit_status;
  }

  /** Number of recorded steps. */
  get steps(): number {
    return this.traj.trajectory.length;
  }

  /** The first observation (the task description), as the conversation's first user message. */
  start(observation: string): void {
    this.traj.history.push({ role: "user", content: observation, agent: this.agent });
    this.flush();
  }

  /** Records an executed step, its action and observation in the history too. */
  step(step: TrajectoryStep, outcome: StepOutcome): void {
    if (this.ended) return;
    const history: HistoryEntry[] = [
      {
        role: "assistant",
        content: step.response || step.action,
        thought: step.thought,
        action: step.action,
        agent: this.agent,
      },
      { role: "user", content: step.observation, agent: this.agent },
    ];
    this.traj.trajectory.push(step);
    this.traj.history.push(...history);
    this.traj.info.score = outcome.scores;
    if (outcome.submission) this.traj.info.submission = outcome.submission;
    if (outcome.exitStatus !== undefined) {
      this.traj.info.exit_status = outcome.exitStatus;
      this.ended = true;
    }
    this.flush();
  }

  /** Ends an episode that no step ended (the client left, closed it or went idle), with that status. */
  end(exitStatus: string): void {
    if (this.ended) return;
    this.ended = true;
    this.traj.info.exit_status = exitStatus;
    this.flush();
  }

  /** Schedules a rewrite of both files (atomically, each); see `settled`. */
  flush(): void {
    this.dirty = true;
    this.writing ??= this.drain();
  }

  /** Resolves once the files hold everything recorded so far; rejects if a write failed. */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const traj = `${JSON.stringify(this.traj, null, 2)}\n`;
        const results = `${JSON.stringify({ agent: this.traj.info.score, ...(this.baseline ? { baseline: this.baseline } : {}) }, null, 2)}\n`;
        await writeJsonAtomicAsync(this.trajectoryFile, traj);
        await writeJsonAtomicAsync(this.resultsFile, results);
      }
    } catch (error) {
      this.failure = error;
    } finally {
      this.writing = undefined;
    }
  }
}
