import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ConfigError } from "../errors.js";
import type { ChatMessage, Model, ModelResponse } from "./model.js";

/**
 * Answers with a fixed list of raw responses, in order: the test double, shipped as a real backend
 * (`--model scripted:<file>` with a JSON or YAML list of strings). When the list runs out it submits.
 */
export class ScriptedModel implements Model {
  readonly id: string;
  private next = 0;
  /** Every conversation the model was shown, for tests and debugging. */
  readonly seen: ChatMessage[][] = [];

  constructor(
    private readonly responses: string[],
    name = "scripted",
  ) {
    this.id = `scripted:${name}`;
  }

  static fromFile(file: string): ScriptedModel {
    let data: unknown;
    try {
      data = parse(readFileSync(file, "utf8"));
    } catch (cause) {
      throw new ConfigError(`cannot read the scripted responses (${(cause as Error).message})`, {
        file,
        cause,
      });
    }
    if (!Array.isArray(data) || data.some((r) => typeof r !== "string")) {
      throw new ConfigError("expected a JSON or YAML list of response strings", { file });
    }
    const name =
      file
        .split("/")
        .pop()
        ?.replace(/\.(json|ya?ml)$/, "") ?? "scripted";
    return new ScriptedModel(data as string[], name);
  }

  async query(messages: ChatMessage[]): Promise<ModelResponse> {
    this.seen.push(messages.map((m) => ({ ...m })));
    const content =
      this.responses[this.next++] ?? "The scripted responses are used up, so I submit.\n```\nsubmit\n```";
    return { content, usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0 };
  }
}
