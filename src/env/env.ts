import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TaskSpec } from "../config/load-task.js";
import type { Metrics } from "../config/task-config.js";
import { MLGymError } from "../errors.js";
import { evaluationSupportDir } from "../runtime/paths.js";
import { type SandboxFactory, sandboxFactory } from "../sandbox/registry.js";
import type { Sandbox, SandboxLimits } from "../sandbox/sandbox.js";
import { ShellSession, shellQuote } from "../shell/shell-session.js";
import { needsLongTimeout } from "../shell/timeout-rule.js";
import { taskKind } from "../tasks/kinds.js";
import { guardMultiline, loadToolset, markerPattern, type Toolset } from "../tools/index.js";
import { type Blocklist, defaultBlocklist, refuseAction } from "./blocklist.js";
import {
  type Evaluation,
  evaluateSubmission,
  exitStatusFor,
  freshSeed,
  validationObservation,
} from "./evaluation.js";
import type { HiddenLines } from "./evaluation-output.js";
import { provisionEpisode } from "./provision.js";
import { improvementReward, parseRewardMode } from "./reward.js";
import {
  CAPTURE_SHELL_STATE,
  copyTree,
  defaultSnapshotStore,
  MAX_SHELL_STATE_CHARS,
  movedHome,
  type Snapshot,
  type SnapshotStore,
} from "./snapshot.js";
import type { ResetResult, StepInfo, StepResult } from "./types.js";
import { cleanWorkspace, type EpisodeLayout, readHiddenLines } from "./workspace.js";

/** Options of an environment; every field has a sensible default. */
export interface EnvOptions {
  /** Sandbox backend by name (`bwrap` where it works, else `local`), when no `sandboxFactory` is given. */
  sandbox?: string;
  /** Builds each episode's sandbox (`run/` hands one down; see `sandboxFactory` in sandbox/registry.ts). */
  sandboxFactory?: SandboxFactory;
  /** Executed actions before the episode is autosubmitted (default 50). */
  maxSteps?: number;
  /** `none` (always 0, as the original) or `improvement` (baseline-normalised gain of the best score). */
  reward?: "none" | "improvement";
  /** Seconds for ordinary commands (default $MLGYM_AGENT_SHORT_TIMEOUT or 25). */
  shortTimeoutS?: number;
  /** Seconds for training commands, the baseline and evaluations (default the task's training_timeout, else 3600). */
  longTimeoutS?: number;
  /** Seconds a command may print nothing (default: the long timeout). */
  noOutputTimeoutS?: number;
  /** Folder to create episode folders in (default the system temp folder). */
  workRoot?: string;
  /** Keep the episode folder after close (default false). */
  keepWorkDir?: boolean;
  /** Limits overriding the task's. */
  limits?: SandboxLimits;
  toolset?: Toolset;
  blocklist?: Blocklist;
  /** Characters of command output kept per observation. */
  maxObservationChars?: number;
  /** Use this host folder as the workspace, in place, instead of a fresh copy of the starter code. */
  workspaceDir?: string;
  /** GPU ids this episode may use (`CUDA_VISIBLE_DEVICES` in the sandbox); none: the variable is left unset. */
  devices?: string[];
  /** Where `snapshot()` keeps its copies and `reset({ fromSnapshot })` finds them (default: one store per process). */
  snapshots?: SnapshotStore;
}

/** Largest submission file copied into an evaluation. */
const DEFAULT_SUBMISSION_MB = 1024;
const EXIT_LABELS = new Set([
  "exit_context",
  "exit_cost",
  "exit_error",
  "exit_format",
  "exit_api",
  "exit_time",
  "exit_interrupted",
]);

/** A step's outcome before the step counter, scores and timing are added. */
type StepOutcome = Omit<StepResult, "info"> & { info: Omit<StepInfo, "scores" | "executionTime" | "step"> };

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  return v && Number.isFinite(Number(v)) ? Number(v) : undefined;
}

function markersFor(nonce: string): { validation: RegExp; submission: RegExp } {
  return { validation: markerPattern("validation", nonce), submission: markerPattern("submission", nonce) };
}

/**
 * The MLGym environment: one task, one sandbox, one persistent shell with the agent's tools. `reset` prepares a
 * fresh workspace and returns the task description; `step` runs one action and returns Gymnasium's five values.
 */
export class MLGymEnv {
  readonly spec: TaskSpec;
  readonly maxSteps: number;
  currentStep = 0;
  private readonly options: EnvOptions;
  /** The agent's commands (docs for the prompt, multi-line endings, the state command). */
  readonly toolset: Toolset;
  private layout: EpisodeLayout | undefined;
  private sandboxInstance: Sandbox | undefined;
  private session: ShellSession | undefined;
  private nonce = "";
  /** The evaluation markers of this episode's nonce, built once per reset. */
  private markers = markersFor("");
  /** MLGYM_AGENT_ACTION_NO_OUTPUT_TIMEOUT, read once. */
  private readonly noOutputTimeoutFromEnv = envNumber("MLGYM_AGENT_ACTION_NO_OUTPUT_TIMEOUT");
  private lastAction = "";
  private done = false;
  private scores: Metrics[] = [];
  private baseline: Metrics | undefined;
  private bestForReward: number | undefined;
  private hiddenLines: HiddenLines | null | undefined;
  /** The seed of the current episode (given to reset, else drawn afresh); every evaluation draws from it. */
  seed: number | undefined;
  private stepping = false;
  private snapshotting = false;
  private interrupted = false;

  constructor(spec: TaskSpec, options: EnvOptions = {}) {
    this.spec = spec;
    this.options = options;
    this.maxSteps = options.maxSteps ?? 50;
    this.toolset = options.toolset ?? loadToolset();
    taskKind(spec.config.task_entrypoint, spec.file);
    parseRewardMode(options.reward);
  }

  get shortTimeoutS(): number {
    return this.options.shortTimeoutS ?? envNumber("MLGYM_AGENT_SHORT_TIMEOUT") ?? 25;
  }

  get longTimeoutS(): number {
    return (
      this.options.longTimeoutS ??
      this.spec.config.training_timeout ??
      envNumber("MLGYM_AGENT_LONG_TIMEOUT") ??
      3600
    );
  }

  /** The sandbox of the current episode (after `reset`). */
  get sandbox(): Sandbox {
    if (!this.sandboxInstance) throw new MLGymError("the environment has no sandbox yet: call reset() first");
    return this.sandboxInstance;
  }

  /** Baseline metrics shown on validate and written to results files. */
  get baselineScores(): Metrics | undefined {
    return this.baseline;
  }

  /** Every successful evaluation of this episode, in order. */
  get evaluationHistory(): Metrics[] {
    return [...this.scores];
  }

  /** The store of this environment's snapshots. */
  get snapshots(): SnapshotStore {
    return this.options.snapshots ?? defaultSnapshotStore();
  }

  /**
   * Starts a new episode: fresh workspace, sandbox and shell; computes baseline scores if the task has none. With
   * `fromSnapshot`, the episode continues from that snapshot instead (see `fork`), in a sandbox of its own.
   */
  async reset(options: { seed?: number; fromSnapshot?: string } = {}): Promise<ResetResult> {
    const snapshot =
      options.fromSnapshot === undefined ? undefined : this.snapshots.get(options.fromSnapshot);
    if (snapshot && snapshot.taskFile !== this.spec.file) {
      throw new MLGymError(
        `snapshot ${snapshot.id} is of task '${snapshot.taskId}' (${snapshot.taskFile}), not of this environment's task '${this.spec.config.id}' (${this.spec.file})`,
      );
    }
    if (snapshot && this.options.workspaceDir) {
      throw new MLGymError(
        `an environment that works in place on ${this.options.workspaceDir} cannot start from a snapshot`,
      );
    }
    await this.teardown();
    this.currentStep = snapshot?.episode.step ?? 0;
    this.done = false;
    this.scores = snapshot ? [...snapshot.episode.scores] : [];
    this.lastAction = snapshot?.episode.lastAction ?? "";
    this.nonce = randomBytes(8).toString("hex");
    this.markers = markersFor(this.nonce);
    this.seed = options.seed ?? snapshot?.episode.seed ?? freshSeed();
    const config = this.spec.config;
    const { layout, sandbox } = await provisionEpisode({
      spec: this.spec,
      toolset: this.toolset,
      factory: this.options.sandboxFactory ?? sandboxFactory(this.options.sandbox),
      seed: this.seed,
      ...(this.options.limits ? { limits: this.options.limits } : {}),
      ...(this.options.workRoot ? { workRoot: this.options.workRoot } : {}),
      ...(this.options.workspaceDir ? { workspaceDir: this.options.workspaceDir } : {}),
      ...(this.options.devices ? { devices: this.options.devices } : {}),
      ...(snapshot ? { snapshot } : {}),
    });
    this.layout = layout;
    this.sandboxInstance = sandbox;
    const toolsInside =
      sandbox.insidePath(join(this.layout.homeDir, "commands")) ?? join(sandbox.home, "commands");
    this.session = await ShellSession.start(sandbox, {
      setup: `${this.toolset.installScript(toolsInside)}\n__MLGYM_EVAL_NONCE=${this.nonce}`,
      ...(this.options.maxObservationChars ? { maxOutputChars: this.options.maxObservationChars } : {}),
    });
    let shellRestored: boolean | undefined;
    if (snapshot) {
      shellRestored = await this.restoreShell(snapshot);
      this.baseline = snapshot.episode.baseline;
      this.bestForReward = snapshot.episode.bestForReward;
    } else {
      this.baseline = config.baseline_scores[0];
      if (!this.baseline && config.baseline_paths[0])
        this.baseline = await this.computeBaseline(config.baseline_paths[0]);
      this.bestForReward = this.primary(this.baseline);
    }
    return {
      observation: this.spec.description,
      info: {
        taskId: config.id,
        taskName: config.name,
        baselineScores: this.baseline,
        priorityMetric: this.spec.priorityMetric,
        ...(this.spec.priorityMetric ? { direction: this.spec.directionOf(this.spec.priorityMetric) } : {}),
        workspace: sandbox.workspace,
        sandbox: sandbox.backend,
        maxSteps: this.maxSteps,
        trainingTimeoutS: this.longTimeoutS,
        seed: this.seed,
        ...(snapshot
          ? { fromSnapshot: { id: snapshot.id, step: snapshot.episode.step, shellRestored: shellRestored! } }
          : {}),
      },
    };
  }

  /**
   * Takes a snapshot of the episode between steps: the agent's home, the shell's working directory, variables,
   * functions and aliases, and the step count, scores and seed. Returns its id, for `fork` (or `reset({
   * fromSnapshot })`) here or in another environment with the same store. Processes left running are not captured.
   * `extra` is kept with the snapshot for its taker (the server keeps the trajectory so far).
   */
  async snapshot(extra: Record<string, unknown> = {}): Promise<string> {
    const layout = this.layout;
    if (!layout || !this.session) throw new MLGymError("the environment is not reset: call reset() first");
    if (this.options.workspaceDir)
      throw new MLGymError(
        `an environment that works in place on ${this.options.workspaceDir} has no snapshots`,
      );
    if (this.done)
      throw new MLGymError("the episode has ended: snapshots are taken between the steps of an episode");
    if (this.stepping || this.snapshotting)
      throw new MLGymError("a step or a snapshot is in progress: take the snapshot between steps");
    this.snapshotting = true;
    try {
      const run = await this.shell.run(CAPTURE_SHELL_STATE, {
        timeoutS: 60,
        raw: true,
        maxOutputChars: MAX_SHELL_STATE_CHARS,
      });
      const encoded = run.output.trim();
      const shellScript =
        run.exitCode === 0 && !run.timedOut && /^[A-Za-z0-9+/]*={0,2}$/.test(encoded)
          ? Buffer.from(encoded, "base64")
          : Buffer.alloc(0);
      const snapshot = await this.snapshots.add(
        {
          taskId: this.spec.config.id,
          taskFile: this.spec.file,
          episode: {
            step: this.currentStep,
            scores: [...this.scores],
            baseline: this.baseline,
            bestForReward: this.bestForReward,
            lastAction: this.lastAction,
            seed: this.seed!,
          },
          cwd: this.shell.workingDirectory,
          home: this.sandbox.home,
          shellScript,
          extra,
        },
        (dest) => copyTree(layout.homeDir, dest),
      );
      return snapshot.id;
    } finally {
      this.snapshotting = false;
    }
  }

  /**
   * A new environment continuing from a snapshot, in a sandbox of its own (reset and ready to step): what the
   * parent and the fork change afterwards stays theirs. The snapshot may come from this environment or another one
   * sharing the store, closed or not.
   */
  async fork(snapshotId: string, options: { seed?: number } = {}): Promise<ResetResult & { env: MLGymEnv }> {
    const env = new MLGymEnv(this.spec, { ...this.options, snapshots: this.snapshots });
    try {
      return { env, ...(await env.reset({ ...options, fromSnapshot: snapshotId })) };
    } catch (error) {
      await env.close();
      throw error;
    }
  }

  /** Re-creates a snapshot's shell state in the fresh shell; false when there was none to restore or it failed. */
  private async restoreShell(snapshot: Snapshot): Promise<boolean> {
    const sandbox = this.sandbox;
    const name = `.mlgym-shell-state-${randomBytes(8).toString("hex")}`;
    const hostFile = join(this.layout!.homeDir, name);
    const { cwd, script } = movedHome(snapshot, sandbox.home);
    // The copy holds no running process yet: nothing can race this exclusive create.
    writeFileSync(hostFile, script, { flag: "wx", mode: 0o600 });
    const inside = sandbox.insidePath(hostFile) ?? join(sandbox.home, name);
    const run = await this.shell.run(
      `builtin cd -- ${shellQuote(cwd)} 2>/dev/null; builtin source ${shellQuote(inside)} >/dev/null 2>&1; command rm -f -- ${shellQuote(inside)}`,
      { timeoutS: 60, raw: true },
    );
    return snapshot.shellScript.length > 0 && run.exitCode === 0 && !run.restarted;
  }

  private async computeBaseline(path: string): Promise<Metrics | undefined> {
    const kind = taskKind(this.spec.config.task_entrypoint);
    const run = await this.shell.run(kind.baselineCommand(path), { timeoutS: this.longTimeoutS });
    if (run.exitCode !== 0)
      throw new MLGymError(`Failed to run baseline script ${path}: ${run.output.slice(-2000)}`);
    const result = await this.evaluate();
    cleanWorkspace(this.spec, this.layout!.workspaceDir);
    return result.metrics;
  }

  /**
   * Evaluates the current submission on a pristine copy (see `evaluateSubmission`), without counting as a step.
   * Throws SubmissionNotFoundError, EvaluationFormatError or EvaluationError.
   */
  evaluate(): Promise<Evaluation> {
    const layout = this.layout;
    if (!layout) throw new MLGymError("the environment is not reset: call reset() first");
    this.hiddenLines ??= readHiddenLines(this.spec);
    return evaluateSubmission({
      spec: this.spec,
      sandbox: this.sandbox,
      workspaceDir: layout.workspaceDir,
      scratchRoot: join(layout.root, "evaluations"),
      view: layout.evaluationView,
      supportDir: evaluationSupportDir(),
      hiddenLines: this.hiddenLines ?? undefined,
      timeoutS: this.longTimeoutS,
      maxSubmissionBytes: DEFAULT_SUBMISSION_MB * 1024 * 1024,
      seed: this.seed,
    });
  }

  private get shell(): ShellSession {
    if (!this.session) throw new MLGymError("the environment is not reset: call reset() first");
    return this.session;
  }

  /**
   * The state command's JSON (`open_file`, `working_dir` by default): prompt placeholders, read before each model
   * call. Not a step. The raw text is kept for trajectories.
   */
  async state(): Promise<{ raw: string; values: Record<string, string> }> {
    const run = await this.shell.run(this.toolset.stateCommand.name, { timeoutS: 10 });
    try {
      const parsed = JSON.parse(run.output) as Record<string, unknown>;
      return {
        raw: run.output,
        values: Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)])),
      };
    } catch {
      return { raw: run.output, values: {} };
    }
  }

  /**
   * Runs one action: a shell command, a tool, `validate`, `submit`, or an exit action. The `maxSteps`-th step runs
   * its action and, unless that ended the episode, autosubmits (`truncated`, `autosubmission (max_steps)`); a step
   * after the end of an episode throws.
   */
  async step(action: string): Promise<StepResult> {
    if (this.snapshotting) throw new MLGymError("a snapshot is being taken: step after it returns");
    if (this.done) {
      throw new MLGymError(
        `step() called after the episode ended (${this.currentStep} of ${this.maxSteps} steps taken); call reset() to start a new one`,
      );
    }
    this.currentStep++;
    const started = performance.now();
    this.stepping = true;
    try {
      const result = await this.act(action.trim());
      if (result.terminated || result.truncated || this.currentStep < this.maxSteps)
        return this.finish(result, started);
      // The last allowed action ran: the episode ends as the original ends it one model answer later.
      const end = await this.endWithEvaluation("max_steps");
      return this.finish(
        {
          observation: result.observation,
          reward: result.reward + end.reward,
          terminated: false,
          truncated: true,
          info: { ...result.info, ...end.info },
        },
        started,
      );
    } finally {
      this.stepping = false;
      this.interrupted = false;
    }
  }

  /** True while a step runs (its command, or an evaluation). */
  get stepInProgress(): boolean {
    return this.stepping;
  }

  /**
   * Stops the command of the step in flight, as Ctrl-C in a terminal: its processes are killed, the shell and the
   * episode go on, and the step's observation says it was interrupted. Nothing happens between steps.
   */
  async interrupt(): Promise<void> {
    if (!this.stepping || !this.session) return;
    this.interrupted = true;
    await this.session.interrupt();
  }

  private finish(r: StepOutcome, started: number): StepResult {
    const info: StepInfo = {
      ...r.info,
      step: this.currentStep,
      scores: [...this.scores],
      executionTime: (performance.now() - started) / 1000,
    };
    if (r.terminated || r.truncated) this.done = true;
    return { ...r, info };
  }

  private async act(trimmed: string): Promise<StepOutcome> {
    if (trimmed === "skip") {
      return {
        observation: "Skipped",
        reward: 0,
        terminated: true,
        truncated: false,
        info: { exitStatus: "skipped" },
      };
    }
    if (trimmed === "exit_forfeit") {
      return {
        observation: "Exited (exit_forfeit)",
        reward: 0,
        terminated: true,
        truncated: false,
        info: { exitStatus: "exit_forfeit" },
      };
    }
    if (EXIT_LABELS.has(trimmed)) return this.endWithEvaluation(trimmed);
    const refusal = refuseAction(
      trimmed,
      this.toolset.multilineEndings,
      this.options.blocklist ?? defaultBlocklist,
    );
    if (refusal !== undefined)
      return { observation: refusal, reward: 0, terminated: false, truncated: false, info: {} };

    const command = guardMultiline(trimmed, this.toolset.multilineEndings);
    const run = await this.shell.run(command, {
      timeoutS: needsLongTimeout(command) ? this.longTimeoutS : this.shortTimeoutS,
      noOutputTimeoutS: this.options.noOutputTimeoutS ?? this.noOutputTimeoutFromEnv ?? this.longTimeoutS,
      prelude: `LAST_ACTION=${shellQuote(this.lastAction)}`,
    });
    this.lastAction = trimmed;
    if (this.interrupted) {
      // bash's report of the processes stopped ("bash: line 3:  4780 Killed  sleep 10") is noise here.
      const output = run.output.replace(/^bash: line \d+: +\d+ Killed.*\n?/gm, "");
      run.output = `${output.trimEnd()}\n^C (the command was interrupted)`.replace(/^\n+/, "");
      return {
        observation: run.output,
        reward: 0,
        terminated: false,
        truncated: false,
        info: { exitCode: run.exitCode },
      };
    }
    const base = { exitCode: run.exitCode, ...(run.timedOut ? { timedOut: run.timedOut } : {}) };
    if (this.markers.validation.test(run.output)) {
      const result = await this.tryEvaluate();
      const reward = result instanceof Error ? 0 : this.rewardFor(result.metrics);
      const info =
        result instanceof Error ? base : { ...base, metrics: result.metrics, submission: result.submission };
      return {
        observation: validationObservation(result, this.baseline),
        reward,
        terminated: false,
        truncated: false,
        info,
      };
    }
    if (this.markers.submission.test(run.output)) return this.endWithEvaluation("submit");
    return { observation: run.output, reward: 0, terminated: false, truncated: false, info: base };
  }

  private async tryEvaluate(): Promise<Evaluation | Error> {
    try {
      const result = await this.evaluate();
      this.scores.push(result.metrics);
      return result;
    } catch (error) {
      if (error instanceof Error && !(error instanceof MLGymError && error.name === "SandboxError"))
        return error;
      throw error;
    }
  }

  /** Final evaluation for `submit` or a limit (`max_steps`, `exit_*`): the episode ends either way. */
  private async endWithEvaluation(label: string): Promise<StepOutcome> {
    const result = await this.tryEvaluate();
    const exitStatus = exitStatusFor(label, result);
    const info =
      result instanceof Error
        ? { exitStatus }
        : { exitStatus, metrics: result.metrics, submission: result.submission };
    return {
      observation: `Exited (${label})`,
      reward: result instanceof Error ? 0 : this.rewardFor(result.metrics),
      terminated: label === "submit",
      truncated: label !== "submit",
      info,
    };
  }

  private primary(metrics: Metrics | undefined): number | undefined {
    const key = this.spec.priorityMetric;
    return key !== undefined && metrics ? metrics[key] : undefined;
  }

  private rewardFor(metrics: Metrics): number {
    if (this.options.reward !== "improvement") return 0;
    const key = this.spec.priorityMetric;
    if (key === undefined) return 0;
    const { reward, best } = improvementReward(
      metrics[key],
      this.bestForReward,
      this.primary(this.baseline),
      this.spec.directionOf(key),
    );
    this.bestForReward = best;
    return reward;
  }

  private async teardown(): Promise<void> {
    await this.session?.close();
    await this.sandboxInstance?.close();
    this.session = undefined;
    this.sandboxInstance = undefined;
    if (this.layout && !this.options.keepWorkDir) rmSync(this.layout.root, { recursive: true, force: true });
    this.layout = undefined;
  }

  /** Ends the episode and removes its sandbox (and, unless kept, its folder). */
  async close(): Promise<void> {
    this.done = true;
    await this.teardown();
  }
}
