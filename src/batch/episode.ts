import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadAgentConfig } from "../agent/config.js";
import { ConfigError, type InfrastructureFailure, SandboxError } from "../errors.js";
import { readPriceFile } from "../models/price-file.js";
import { createModel } from "../models/registry.js";
import { runEpisode } from "../run/episode.js";
import { sha256File } from "./plan.js";
import type { EpisodeOutcome, EpisodeProgress, EpisodeSpec, Ledger } from "./types.js";

/** Where one attempt of an episode writes, until it is complete (a hidden folder: reports never read it). */
export function partialDir(outputRoot: string, folder: string, attemptTag: string): string {
  return join(outputRoot, ".partial", `${folder}.${attemptTag}`);
}

/** Where an attempt that did not complete is kept, for diagnosis (hidden as well). */
export function attemptDir(outputRoot: string, folder: string, attemptTag: string): string {
  return join(outputRoot, ".attempts", `${folder}.${attemptTag}`);
}

/**
 * What the final run folder of an episode holds: nothing, the episode of this key, or something else (another
 * episode, or a folder not written by a batch).
 */
export function folderState(outputRoot: string, spec: EpisodeSpec): "absent" | "complete" | "foreign" {
  const dir = join(outputRoot, spec.folder);
  if (!existsSync(dir)) return "absent";
  try {
    const args = JSON.parse(readFileSync(join(dir, "args.json"), "utf8")) as { episode_key?: unknown };
    return args.episode_key === spec.key ? "complete" : "foreign";
  } catch {
    return "foreign";
  }
}

export interface EpisodeContext {
  /** The output folder of the batch (shared by workers in distributed mode). */
  outputRoot: string;
  /** The batch's budget. */
  ledger?: Ledger;
  /** Aborting ends the episode as `interrupted` (it is then run again from scratch on the next start). */
  signal?: AbortSignal;
  onProgress?: (progress: EpisodeProgress) => void;
  /** Unique per attempt (host, process, attempt number): names the attempt's own folder. */
  attemptTag: string;
  /** GPU ids given to this episode. */
  devices?: string[];
  /** Lines the user should see (an unknown price, an infrastructure failure). */
  warn?: (line: string) => void;
}

/**
 * Runs one planned episode into `.partial/<folder>.<attempt>` and, when it completed, renames that to its run folder.
 * A rename is atomic, so a run folder is complete or absent; when the folder already holds this episode (a job
 * delivered twice, a second worker finishing first) the attempt's copy is dropped, so a result is never duplicated.
 * Attempts that did not complete go to `.attempts/` and the run folder stays absent.
 */
export async function runPlannedEpisode(spec: EpisodeSpec, ctx: EpisodeContext): Promise<EpisodeOutcome> {
  const base = { key: spec.key, folder: spec.folder };
  const state = folderState(ctx.outputRoot, spec);
  if (state === "complete") return { ...base, status: "skipped" };
  if (state === "foreign") {
    return {
      ...base,
      status: "error",
      error: `${join(ctx.outputRoot, spec.folder)} already exists and holds another episode (or was not written by a batch); remove it or use another --output`,
    };
  }
  const dir = partialDir(ctx.outputRoot, spec.folder, ctx.attemptTag);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const setAside = () => {
    const kept = attemptDir(ctx.outputRoot, spec.folder, ctx.attemptTag);
    mkdirSync(join(kept, ".."), { recursive: true });
    rmSync(kept, { recursive: true, force: true });
    renameSync(dir, kept);
  };
  try {
    const config = loadAgentConfig(spec.agentConfig);
    if (sha256File(config.file) !== spec.agentConfigHash) {
      throw new ConfigError("the agent configuration changed since the batch was planned; plan it again", {
        file: config.file,
      });
    }
    const model = createModel(spec.model, {
      ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
      ...(spec.logprobs ? { logprobs: true } : {}),
      ...(spec.pricesFile ? { prices: readPriceFile(spec.pricesFile) } : {}),
    });
    const summary = await runEpisode({
      taskId: spec.taskId,
      model,
      config,
      output: ctx.outputRoot,
      outputDir: dir,
      maxSteps: spec.maxSteps,
      ...(spec.sandbox ? { sandbox: spec.sandbox } : {}),
      ...(spec.tasksDirs ? { tasksDirs: spec.tasksDirs } : {}),
      ...(spec.dataRoots ? { dataRoots: spec.dataRoots } : {}),
      ...(spec.scale ? { scale: spec.scale } : {}),
      temperature: spec.temperature,
      topP: spec.topP,
      seed: spec.seed,
      limits: {
        ...(spec.costLimitUsd !== undefined ? { costLimitUsd: spec.costLimitUsd } : {}),
        ...(spec.timeLimitS !== undefined ? { timeLimitS: spec.timeLimitS } : {}),
        ...(spec.allowUnpriced ? { allowUnpriced: true } : {}),
      },
      args: {
        episode_key: spec.key,
        run_index: spec.runIndex,
        ...(spec.policyVersion ? { policy_version: spec.policyVersion } : {}),
        ...(ctx.devices ? { devices: ctx.devices } : {}),
      },
      ...(ctx.ledger ? { ledger: ctx.ledger } : {}),
      ...(spec.policyVersion ? { policyVersion: spec.policyVersion } : {}),
      ...(ctx.devices ? { devices: ctx.devices } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      ...(ctx.warn ? { warn: ctx.warn } : {}),
      onProgress: (info) =>
        ctx.onProgress?.({
          key: spec.key,
          step: info.step,
          maxSteps: info.maxSteps,
          costUsd: info.costUsd,
          bestScore: info.bestScore,
        }),
    });
    const outcome: EpisodeOutcome = {
      ...base,
      status: "completed",
      exitStatus: summary.exitStatus,
      bestScore: summary.bestScore,
      costUsd: summary.costUsd,
      steps: summary.steps,
    };
    if (summary.infrastructureError) {
      setAside();
      return { ...outcome, status: "infrastructure", infrastructureError: summary.infrastructureError };
    }
    if (ctx.signal?.aborted || summary.exitStatus.includes("exit_interrupted")) {
      setAside();
      return { ...outcome, status: "interrupted" };
    }
    commit(ctx.outputRoot, spec, dir);
    return outcome;
  } catch (error) {
    if (existsSync(dir)) setAside();
    const message = (error as Error).message;
    if (error instanceof SandboxError) {
      const failure: InfrastructureFailure = { kind: "sandbox", message, step: 0 };
      return { ...base, status: "infrastructure", infrastructureError: failure };
    }
    return { ...base, status: "error", error: message };
  }
}

/** Renames the attempt's folder to the run folder; a run folder that appeared meanwhile with this key wins. */
function commit(outputRoot: string, spec: EpisodeSpec, dir: string): void {
  const final = join(outputRoot, spec.folder);
  try {
    // rename(2) onto an existing non-empty folder fails, so the first attempt to finish is the one kept.
    renameSync(dir, final);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && folderState(outputRoot, spec) === "complete") {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    throw error;
  }
}
