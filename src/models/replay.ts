import { basename } from "node:path";
import { assistantResponses, type ReadTrajectory, readTrajectory } from "../trajectory/read.js";
import type { ChatMessage, Model, ModelResponse } from "./model.js";

/** What the original's ReplayModel answers once the recorded outputs are used up. */
export const REPLAY_EXHAUSTED = "```\nsubmit\n```";

/**
 * Answers with the raw model outputs recorded in a trajectory, in order (`--model replay:<file.traj>`), so their
 * actions run again through the normal parser and environment; when they run out it submits, as the original's
 * ReplayModel does. No cost is counted.
 */
export class ReplayModel implements Model {
  readonly id: string;
  private next = 0;

  constructor(
    private readonly responses: string[],
    name = "replay",
  ) {
    this.id = `replay:${name}`;
  }

  /** A replay of a `.traj` file (ours or the original's, JSON or the YAML history variant). */
  static fromFile(file: string, name = basename(file).replace(/\.(traj|json|ya?ml)$/, "")): ReplayModel {
    return new ReplayModel(assistantResponses(readTrajectory(file)), name);
  }

  /** Recorded outputs not yet answered. */
  get remaining(): number {
    return Math.max(0, this.responses.length - this.next);
  }

  async query(_messages: ChatMessage[]): Promise<ModelResponse> {
    const content = this.responses[this.next] ?? REPLAY_EXHAUSTED;
    if (this.next < this.responses.length) this.next++;
    return { content, usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0 };
  }
}

/** How one recorded step compares with its re-execution. */
export type StepVerdict =
  | "identical"
  | "differs"
  | "evaluation within tolerance"
  | "evaluation differs"
  | "not replayed"
  | "not recorded";

/** One row of a replay's verification. */
export interface StepCheck {
  /** 1-based step number. */
  step: number;
  /** The action's first line. */
  action: string;
  verdict: StepVerdict;
  /** One line: the first differing line, or the evaluation's metric recorded and replayed. */
  detail?: string;
}

/** The final score of a replay against the recorded one. */
export interface FinalScoreCheck {
  metric: string;
  recorded: number;
  replayed: number | undefined;
  tolerance: number;
  ok: boolean;
}

/** A replay compared with its recording, step by step; `ok` is whether the final score reproduced. */
export interface ReplayVerification {
  steps: StepCheck[];
  /** Absent when the recording has no final score (nothing to reproduce). */
  final?: FinalScoreCheck;
  ok: boolean;
}

/** How `verifyReplay` compares. */
export interface VerifyOptions {
  /** The metric whose final value must reproduce (default: the first of the recorded final score). */
  metric?: string;
  /** Absolute tolerance on that metric, for every evaluation and the final score. */
  tolerance: number;
  /** Applied to both observations before comparing them (e.g. the sandbox's workspace path -> the original's). */
  normalize?: (observation: string) => string;
}

/** The metrics of an `Evaluation Score: {...}` line (a Python dict repr: `nan`, `inf`, `np.float64(x)` included). */
export function evaluationMetrics(observation: string): Record<string, number> | undefined {
  const line = /^Evaluation Score: (\{.*\})\s*$/m.exec(observation)?.[1];
  if (!line) return undefined;
  const metrics: Record<string, number> = {};
  const entry = /'((?:[^'\\]|\\.)*)'\s*:\s*(?:np\.\w+\()?\s*([-+]?(?:inf|nan|[\d.]+(?:[eE][-+]?\d+)?))/g;
  for (const [, key, value] of line.matchAll(entry)) {
    const v = value!.replace(/^\+/, "");
    metrics[key!] =
      v === "nan" ? Number.NaN : v.endsWith("inf") ? (v.startsWith("-") ? -1 : 1) * Infinity : Number(v);
  }
  return metrics;
}

const clip = (text: string, n = 60) => JSON.stringify(text.length > n ? `${text.slice(0, n)}…` : text);

/** The first line where two texts differ, as one line. */
export function firstDifference(recorded: string, replayed: string): string {
  const a = recorded.split("\n");
  const b = replayed.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    if (a[i] === undefined) return `line ${i + 1}: replay has more lines, from ${clip(b[i]!)}`;
    if (b[i] === undefined) return `line ${i + 1}: replay ends before ${clip(a[i]!)}`;
    return `line ${i + 1}: recorded ${clip(a[i]!)}, replayed ${clip(b[i]!)}`;
  }
  return "";
}

function within(a: number | undefined, b: number | undefined, tolerance: number): boolean {
  if (a === undefined || b === undefined) return false;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return a === b || Math.abs(a - b) <= tolerance;
}

/**
 * Compares a replay with its recording step by step: each observation (identical, or the first line that differs),
 * each evaluation's metric within the tolerance, and the final score (the last of `info.score`), which decides `ok`.
 */
export function verifyReplay(
  recorded: ReadTrajectory,
  replayed: ReadTrajectory,
  options: VerifyOptions,
): ReplayVerification {
  const normalize = options.normalize ?? ((s: string) => s);
  const recordedFinal = recorded.info.score.at(-1);
  const metric = options.metric ?? Object.keys(recordedFinal ?? {})[0];
  const steps: StepCheck[] = [];
  const count = Math.max(recorded.trajectory.length, replayed.trajectory.length);
  for (let i = 0; i < count; i++) {
    const rec = recorded.trajectory[i];
    const rep = replayed.trajectory[i];
    const action = (rec ?? rep)!.action.split("\n")[0]!.trim();
    const row: StepCheck = { step: i + 1, action, verdict: "identical" };
    if (!rep) row.verdict = "not replayed";
    else if (!rec) row.verdict = "not recorded";
    else {
      // Older files of the original record a successful submit with an empty observation, newer ones as ours.
      const olderSubmit = rec.observation === "" && rep.observation === "Exited (submit)";
      const a = normalize(olderSubmit ? rep.observation : rec.observation).trimEnd();
      const b = normalize(rep.observation).trimEnd();
      const ma = evaluationMetrics(a);
      const mb = evaluationMetrics(b);
      if (ma && mb && metric && metric in ma) {
        const ok = within(ma[metric], mb[metric], options.tolerance);
        row.verdict = a === b ? "identical" : ok ? "evaluation within tolerance" : "evaluation differs";
        if (a !== b) row.detail = `${metric} recorded ${ma[metric]}, replayed ${mb[metric] ?? "none"}`;
      } else if (a !== b) {
        row.verdict = "differs";
        row.detail = firstDifference(a, b);
      }
    }
    steps.push(row);
  }
  if (!recordedFinal || !metric || recordedFinal[metric] === undefined) return { steps, ok: true };
  const replayedValue = replayed.info.score.at(-1)?.[metric];
  const final: FinalScoreCheck = {
    metric,
    recorded: recordedFinal[metric],
    replayed: replayedValue,
    tolerance: options.tolerance,
    ok: within(recordedFinal[metric], replayedValue, options.tolerance),
  };
  return { steps, final, ok: final.ok };
}

/** The verification as a short table and a last line on the final score. */
export function formatVerification(v: ReplayVerification): string {
  const width = Math.max(...v.steps.map((s) => s.verdict.length), 7);
  const lines = [`step  ${"verdict".padEnd(width)}  action / difference`];
  for (const s of v.steps) {
    const action = s.action.length > 40 ? `${s.action.slice(0, 40)}…` : s.action;
    lines.push(
      `${String(s.step).padStart(4)}  ${s.verdict.padEnd(width)}  ${action}${s.detail ? `: ${s.detail}` : ""}`,
    );
  }
  const same = v.steps.filter((s) => s.verdict === "identical").length;
  lines.push(`${same} of ${v.steps.length} steps identical`);
  const f = v.final;
  lines.push(
    f
      ? `final ${f.metric}: recorded ${f.recorded}, replayed ${f.replayed ?? "none"} (tolerance ${f.tolerance}): ${f.ok ? "reproduced" : "NOT reproduced"}`
      : "final score: none recorded, nothing to reproduce",
  );
  return `${lines.join("\n")}\n`;
}
