import { relative } from "node:path";
import type { MLGymEnv } from "../env/env.js";
import { type EpisodeRequest, type EpisodeSummary, runEpisode } from "../run/episode.js";
import { formatScore } from "../run/live-display.js";

/** Exit code of `mlgym run`/`replay` when the infrastructure (model API, sandbox) ended the episode. */
export const EXIT_INFRASTRUCTURE = 3;
/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/** The process exit code an episode's outcome calls for. */
export function episodeExitCode(summary: EpisodeSummary): number {
  if (/\bexit_interrupted\b/.test(summary.exitStatus)) return EXIT_INTERRUPTED;
  if (summary.infrastructureError) return EXIT_INFRASTRUCTURE;
  return 0;
}

/** The readable end of a run: what ran, how it ended, the score against the baseline, the cost and the files. */
export function formatSummary(s: EpisodeSummary): string {
  const rows: Array<[string, string]> = [
    ["task", s.task],
    ["model", s.model],
    ["exit status", s.exitStatus || "(none: the agent loop crashed)"],
  ];
  if (s.infrastructureError) {
    const f = s.infrastructureError;
    rows.push(["failure", `infrastructure (${f.kind}) at step ${f.step}: ${f.message}`]);
  }
  const key = s.priorityMetric;
  if (key !== null) {
    const last = s.score?.[key];
    const baseline = s.baseline?.[key];
    rows.push([
      "score",
      `${key} ${formatScore(last)} (last), ${formatScore(s.bestScore ?? undefined)} (best); baseline ${formatScore(baseline)}`,
    ]);
  } else {
    rows.push(["score", s.score ? JSON.stringify(s.score) : "none"]);
  }
  rows.push(["cost", s.costUsd === null ? "unknown (no price for this model)" : `$${s.costUsd.toFixed(4)}`]);
  rows.push(["steps", String(s.steps)]);
  const shown = (path: string) => {
    const rel = relative(process.cwd(), path);
    return rel.startsWith("..") ? path : rel;
  };
  rows.push(["run folder", shown(s.runDir)]);
  rows.push(["files", `${shown(s.trajectory)}, ${shown(s.results)}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join("\n");
}

/** Prints the end of a run (JSON for scripts, or the readable summary unless quiet) and sets the exit code. */
export function finishEpisode(summary: EpisodeSummary, opts: { json?: boolean; quiet?: boolean }): void {
  if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (!opts.quiet) process.stdout.write(`mlgym: episode finished\n${formatSummary(summary)}\n`);
  process.exitCode = episodeExitCode(summary);
}

/**
 * Runs an episode at the terminal (`mlgym run`, `mlgym replay`): the live display on stderr unless quiet, warnings
 * always, Ctrl-C handled, then the summary and the exit code.
 */
export async function runEpisodeAtTerminal(
  request: Omit<EpisodeRequest, "log" | "tty" | "warn" | "signal" | "onEnv">,
  opts: { json?: boolean; quiet?: boolean; human?: boolean },
): Promise<EpisodeSummary> {
  const ctrlC = new CtrlC(opts.human === true, (line) => process.stderr.write(`\n${line}\n`));
  const summary = await runEpisode({
    ...request,
    ...(opts.quiet ? {} : { log: (text: string) => process.stderr.write(text), tty: process.stderr.isTTY }),
    warn: (line: string) => process.stderr.write(`${line}\n`),
    signal: ctrlC.signal,
    onEnv: (env) => ctrlC.attach(env),
  }).finally(() => ctrlC.dispose());
  finishEpisode(summary, opts);
  return summary;
}

/**
 * Ctrl-C during an episode. For an agent, the first stops the episode cleanly (the running command interrupted, the
 * files written, `exit_interrupted`); for a human player it interrupts the running command and the session goes
 * on, and at the prompt it ends the episode. Another Ctrl-C while the episode is stopping quits at once (130).
 */
export class CtrlC {
  private readonly controller = new AbortController();
  private env: MLGymEnv | undefined;
  private readonly handler = () => this.press();

  constructor(
    private readonly human: boolean,
    private readonly say: (line: string) => void,
  ) {
    process.on("SIGINT", this.handler);
  }

  /** Aborted by the Ctrl-C that stops the episode. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The episode's environment, once made. */
  attach(env: MLGymEnv): void {
    this.env = env;
  }

  private press(): void {
    if (this.controller.signal.aborted) {
      this.say("mlgym: interrupted again: quitting at once (the trajectory holds the steps so far)");
      process.exit(EXIT_INTERRUPTED);
    }
    if (this.human && this.env?.stepInProgress) {
      this.say("^C");
      void this.env.interrupt();
      return;
    }
    this.say(
      "mlgym: interrupted: stopping the episode, evaluating what it has and writing its files (Ctrl-C again to quit at once)",
    );
    this.controller.abort();
  }

  dispose(): void {
    process.off("SIGINT", this.handler);
  }
}
