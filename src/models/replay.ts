import { basename } from "node:path";
import { assistantResponses, readTrajectory } from "../trajectory/read.js";
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
