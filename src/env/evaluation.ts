import { createHmac, randomBytes, randomInt } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TaskSpec } from "../config/load-task.js";
import type { Metrics } from "../config/task-config.js";
import { EvaluationError, EvaluationFormatError, SubmissionNotFoundError } from "../errors.js";
import { cacheHome } from "../runtime/paths.js";
import type { Mount, Sandbox, ScratchProcess } from "../sandbox/sandbox.js";
import { shellQuote } from "../shell/shell-session.js";
import { taskKind } from "../tasks/kinds.js";
import { failureOutput, type HiddenLines } from "./evaluation-output.js";
import { pyDictRepr } from "./python-repr.js";
import { copySubmissionFile, copyWorkspaceFiles } from "./submission-copy.js";

/** Metrics of one evaluation and the artefact they score. */
export interface Evaluation {
  metrics: Metrics;
  submission: string;
}

/** Everything an evaluation needs besides the task: where things are on the host and what the evaluation sees. */
export interface EvaluationSetup {
  spec: TaskSpec;
  sandbox: Sandbox;
  /** Host folder of the agent's workspace. */
  workspaceDir: string;
  /** Host folder under which evaluation folders are made; never visible to the agent. */
  scratchRoot: string;
  /** What the evaluation's folder holds besides the submission, relative to it: the data (hidden files included), the trusted evaluation files. */
  view: Mount[];
  /** The folder holding the trusted `mlgym_eval` package, at the same path inside the sandbox. */
  supportDir: string;
  /** Lines of the hidden files, to keep them out of what the agent sees; undefined when the task has none. */
  hiddenLines: HiddenLines | undefined;
  timeoutS: number;
  /** Largest submission copied into an evaluation. */
  maxSubmissionBytes: number;
  /** The episode's seed: every evaluation's randomness (and that of the agent's code it calls) is drawn from it. */
  seed?: number;
}

/** The variable `mlgym_eval.seeding` reads the seed from (python/mlgym_eval/seeding.py). */
export const EVAL_SEED_VARIABLE = "MLGYM_EVAL_SEED";

/** A fresh seed for an episode that was given none (recorded, so that the run can be reproduced). */
export function freshSeed(): number {
  return randomInt(2 ** 31);
}

/**
 * The host's evaluation key (`MLGYM_EVAL_KEY`, else a random key made once in the cache folder, mode 0600, which no
 * sandbox mounts). Evaluations draw their randomness from HMAC(key, seed), not from the seed itself: the agent knows
 * or can guess the seed (its shell has `MLGYM_SEED`; users pick 0, 1, 42), and a strategy that could replay the
 * opponent's random draws would win every round.
 */
export function evaluationKey(): string {
  const fromEnv = process.env.MLGYM_EVAL_KEY?.trim();
  if (fromEnv) return fromEnv;
  const file = join(cacheHome(), "eval-key");
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    mkdirSync(cacheHome(), { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    return readFileSync(file, "utf8").trim();
  }
}

/**
 * What one side of an evaluation gets in `MLGYM_EVAL_SEED` for an episode's seed: the trusted evaluation and the
 * player process running the agent's code each get their own, reproducible with the key and unguessable without
 * it, so that the agent's code, which can read its own, learns nothing of the evaluation's draws.
 */
export function evaluationSeed(seed: number, role: "evaluation" | "player", key = evaluationKey()): string {
  return createHmac("sha256", key).update(`mlgym-seed:${role}:${seed}`).digest("hex").slice(0, 32);
}

/** The full output of failed evaluations: for task authors (`mlgym tasks check`), never shown to the agent. */
const fullOutputs = new WeakMap<Error, string>();

/** Everything a failed evaluation printed (standard output, then standard error), unfiltered; undefined if unknown. */
export function fullEvaluationOutput(error: Error): string | undefined {
  return fullOutputs.get(error);
}

/**
 * Python in isolated mode: no script folder, user site or PYTHON* variables on sys.path, no bytecode written. The
 * evaluation's sys.path is its fresh folder, the trusted package and the read-only runtime, so the only bytecode it
 * reads is the runtime's own (a cache prefix under /tmp would recompile every library on every evaluation).
 */
const ISOLATED_FLAGS = ["-I", "-B"];
const ISOLATED_PYTHON = `python ${ISOLATED_FLAGS.join(" ")}`;

/**
 * The arguments of `python` that run a trusted evaluation script the way mlgym does: seeded, with the trusted
 * package first on sys.path, and ended by `mlgym_eval.script.run` with the script's own status (a library that
 * crashes at interpreter teardown, after the score is printed, cannot turn a score into a failure).
 */
export function evaluatorArgs(
  script: string,
  args: string[],
  supportDir: string,
  flags: string[] = [],
): string[] {
  // Seeded before the evaluation folder is on sys.path, so that nothing in it can stand in for the seeding.
  const boot = `import os, sys; sys.path.insert(0, ${JSON.stringify(supportDir)}); from mlgym_eval.seeding import seed_process; from mlgym_eval.script import run; seed_process("evaluation"); sys.path.insert(0, os.getcwd()); sys.argv = sys.argv[1:]; run(sys.argv[0])`;
  return [...ISOLATED_FLAGS, ...flags, "-c", boot, script, ...args];
}

function evaluatorCommand(script: string, args: string[], supportDir: string): string {
  return `exec python ${evaluatorArgs(script, args, supportDir).map(shellQuote).join(" ")}`;
}

function playerCommand(supportDir: string): string {
  const boot = `import sys; sys.path.insert(0, ${JSON.stringify(supportDir)}); from mlgym_eval.player import main; main()`;
  return `exec ${ISOLATED_PYTHON} -c ${shellQuote(boot)}`;
}

/** Whether a trusted evaluation script (host path) calls the agent's code through `mlgym_eval`, in a separate process. */
export function callsAgentCodeApart(scriptHostPath: string): boolean {
  return /\bmlgym_eval\b/.test(readFileSync(scriptHostPath, "utf8"));
}

/**
 * Evaluates the current submission on a pristine copy. The agent's processes are stopped (SIGSTOP) for the whole
 * evaluation and resumed after. The evaluation runs in a fresh folder holding only the trusted evaluation files,
 * the data (hidden files included) and the submission copied in as a regular file; the agent's workspace is not
 * in its view, and the folder is deleted after. Where the task calls the agent's code, that code runs in a second
 * process in the agent's own view (no hidden files, its home read-only), connected to the evaluation by a pipe.
 * Throws SubmissionNotFoundError, EvaluationFormatError or EvaluationError.
 */
export async function evaluateSubmission(setup: EvaluationSetup): Promise<Evaluation> {
  const { spec, sandbox } = setup;
  const kind = taskKind(spec.config.task_entrypoint, spec.file);
  const evaluationPath = spec.config.evaluation_paths[0];
  if (!evaluationPath) throw new EvaluationError(`task '${spec.config.id}' has no evaluation_paths`);
  const thaw = await sandbox.freeze();
  mkdirSync(setup.scratchRoot, { recursive: true });
  const dir = mkdtempSync(join(setup.scratchRoot, "evaluation-"));
  let player: ScratchProcess | undefined;
  try {
    const rel = kind.submissionPath(setup.workspaceDir);
    const trusted = new Set(setup.view.map((m) => m.path));
    if (kind.artefact === "file") copySubmissionFile(setup.workspaceDir, rel, dir, setup.maxSubmissionBytes);
    // An evaluation script written for the original imports the agent's code itself: it gets the workspace's
    // files and runs the agent's code in its own process (not defended; `mlgym tasks check` fails such a task).
    const script = setup.view.find((m) => m.path === evaluationPath.replace(/^\.\//, ""));
    const apart = script !== undefined && callsAgentCodeApart(script.hostPath);
    const legacy = kind.artefact === "agent-code" && !apart;
    if (kind.artefact === "workspace" || legacy)
      copyWorkspaceFiles(setup.workspaceDir, dir, setup.maxSubmissionBytes, trusted);
    const submission = `${sandbox.workspace}/${rel}`;
    const timeoutMs = setup.timeoutS * 1000;
    const key = setup.seed === undefined ? undefined : evaluationKey();
    const seedEnv = (role: "evaluation" | "player"): Record<string, string> =>
      setup.seed === undefined ? {} : { [EVAL_SEED_VARIABLE]: evaluationSeed(setup.seed, role, key) };
    // Any kind whose evaluation calls the agent's code through `mlgym_eval` (a policy network of a model
    // submission too) gets the player process in the agent's view.
    if (apart) {
      player = sandbox.startScratch(playerCommand(setup.supportDir), {
        view: "agent",
        dir,
        mounts: [],
        protocol: true,
        timeoutMs,
        env: seedEnv("player"),
      });
    }
    const evaluator = sandbox.startScratch(
      evaluatorCommand(evaluationPath, kind.evaluationArgs(rel), setup.supportDir),
      {
        view: "evaluation",
        dir,
        mounts: setup.view,
        timeoutMs,
        env: { ...seedEnv("evaluation"), ...(player ? { MLGYM_AGENT_CHANNEL: "fds" } : {}) },
        ...(player ? { extraStdio: [player.stdin!, player.stdout!] } : {}),
      },
    );
    // The evaluation holds its own copies of the channel now; ours would keep it open after the player ends.
    player?.stdin?.destroy();
    player?.stdout?.destroy();
    const run = await evaluator.result;
    player?.kill();
    const agentOutput = player ? (await player.result).stderr : undefined;
    if (run.timedOut) throw new EvaluationError(`the evaluation timed out after ${setup.timeoutS} s`);
    const shown = () =>
      failureOutput({
        evaluationOutput: [run.stdout, run.stderr].filter((s) => s.trim()).join("\n"),
        ...(setup.hiddenLines ? { hiddenLines: setup.hiddenLines } : {}),
        ...(agentOutput !== undefined ? { agentOutput } : {}),
      });
    const formatError = () => {
      const error = new EvaluationFormatError(shown());
      fullOutputs.set(error, [run.stdout, run.stderr].filter((s) => s.trim()).join("\n"));
      return error;
    };
    if (run.exitCode !== 0) throw formatError();
    try {
      return { metrics: kind.parseMetrics(run.stdout), submission };
    } catch (error) {
      if (error instanceof EvaluationFormatError) throw formatError();
      throw error;
    }
  } finally {
    player?.kill();
    rmSync(dir, { recursive: true, force: true });
    await thaw();
  }
}

/** The observation the agent gets for `validate`, as in the original. */
export function validationObservation(result: Evaluation | Error, baseline: Metrics | undefined): string {
  if (!(result instanceof Error)) {
    return `Your code produced a valid submission artefact at ${result.submission}.\nBaseline Score: ${
      baseline ? pyDictRepr(baseline) : "NA"
    }\nEvaluation Score: ${pyDictRepr(result.metrics)}`;
  }
  if (result instanceof SubmissionNotFoundError) {
    return "Submission artefact not found. You have to produce a valid submission artefact as described in the task description to validate your results.";
  }
  if (result instanceof EvaluationFormatError) return result.message;
  return `Error: ${result.message}`;
}

/** Exit status of an evaluation that ended the episode under `label` (reference 5.7). */
export function exitStatusFor(label: string, result: Evaluation | Error): string {
  if (!(result instanceof Error)) return label === "submit" ? "submitted" : `autosubmission (${label})`;
  if (result instanceof SubmissionNotFoundError) return `submission_not_found (${label})`;
  if (result instanceof EvaluationFormatError) return `evaluation_format_error (${label})`;
  return `${result.name}, ${result.message}, (${label})`;
}
