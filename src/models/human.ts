import type { Readable, Writable } from "node:stream";
import { MLGymError } from "../errors.js";
import type { ChatMessage, Model, ModelResponse, QueryOptions } from "./model.js";

/** Multi-line commands of the default tools and the line that ends each. */
export const DEFAULT_ENDINGS: Record<string, string> = { edit: "end_of_edit", insert: "end_of_insert" };

/** Lines between these two are one action, whatever its first word (as in the original's HumanModel). */
const START_MULTILINE = "start_multiline_command";
const END_MULTILINE = "end_multiline_command";

/**
 * The terminal input ended before a whole action was typed. The agent loop maps it, like any model fault, to
 * `exit_error`, so the episode ends with an autosubmission evaluation of whatever the workspace holds.
 */
export class HumanInputClosedError extends MLGymError {
  override name = "HumanInputClosedError";
}

export interface HumanModelOptions {
  /** Shown in the model id, `human:<name>`. */
  name?: string;
  /** Where actions are typed (default stdin). */
  input?: Readable;
  /** Where observations and prompts are shown (default stderr, so stdout keeps the run's JSON line). */
  output?: Writable;
  /** Multi-line commands by first word, and their end marker line. */
  endings?: Record<string, string>;
}

/** Reads lines on demand and pauses the stream in between, so an idle reader never keeps the process alive. */
class LineReader {
  private buffer = "";
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(private readonly input: Readable) {
    input.setEncoding("utf8");
    input.on("data", (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
    const end = () => {
      this.ended = true;
      this.wake?.();
    };
    input.on("end", end);
    input.on("error", end);
    input.pause();
  }

  /**
   * The next line without its newline; undefined at the end of the input. An abort stops the wait (the input is
   * paused again, so it no longer keeps the process alive) with the signal's reason.
   */
  async next(signal?: AbortSignal): Promise<string | undefined> {
    for (;;) {
      signal?.throwIfAborted();
      const newline = this.buffer.indexOf("\n");
      if (newline >= 0) {
        const line = this.buffer.slice(0, newline).replace(/\r$/, "");
        this.buffer = this.buffer.slice(newline + 1);
        return line;
      }
      if (this.ended) {
        const rest = this.buffer;
        this.buffer = "";
        return rest === "" ? undefined : rest;
      }
      const wake = () => this.wake?.();
      signal?.addEventListener("abort", wake, { once: true });
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        this.input.resume();
      });
      signal?.removeEventListener("abort", wake);
      this.wake = undefined;
      this.input.pause();
    }
  }
}

/**
 * A person at the terminal is the model (`--model human:<name>`): each query shows the new messages and reads one
 * action. A line whose first word is a multi-line command (`edit`, `insert`, ...) continues until its end marker;
 * `start_multiline_command` ... `end_multiline_command` encloses any multi-line action. The action is answered in a
 * fenced block so the configured parser accepts it. Blank lines are ignored; the end of the input (Ctrl-D) raises
 * HumanInputClosedError, which ends the episode with `exit_error` rather than pretending the person submitted.
 */
export class HumanModel implements Model {
  readonly id: string;
  private readonly input: Readable;
  private readonly output: Writable;
  private readonly endings: Record<string, string>;
  private reader: LineReader | undefined;
  private calls = 0;
  /** Of the query in progress: Ctrl-C at the prompt ends the episode. */
  private signal: AbortSignal | undefined;

  constructor(options: HumanModelOptions = {}) {
    this.id = `human:${options.name ?? "human"}`;
    this.input = options.input ?? process.stdin;
    this.output = options.output ?? process.stderr;
    this.endings = options.endings ?? DEFAULT_ENDINGS;
  }

  async query(messages: ChatMessage[], options: QueryOptions = {}): Promise<ModelResponse> {
    // The whole conversation on the first call (system prompt with the command docs, then the task); after that
    // only the newest message: the observation, or a format error.
    const fresh = this.calls++ === 0 ? messages : messages.slice(-1);
    for (const m of fresh) this.output.write(`${m.content}\n`);
    this.signal = options.signal;
    const action = await this.readAction();
    return { content: `\`\`\`\n${action}\n\`\`\``, usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0 };
  }

  private async readAction(): Promise<string> {
    let first = "";
    while (first.trim() === "") first = await this.line("> ");
    const word = first.trim().split(/\s+/)[0]!;
    if (word === START_MULTILINE) return (await this.until(END_MULTILINE)).join("\n");
    const end = this.endings[word];
    if (end === undefined) return first;
    return [first, ...(await this.until(end)), end].join("\n");
  }

  /** Lines up to (not including) the line equal to `end`. */
  private async until(end: string): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.line("... ");
      if (line.trim() === end) return lines;
      lines.push(line);
    }
  }

  private async line(prompt: string): Promise<string> {
    this.reader ??= new LineReader(this.input);
    this.output.write(prompt);
    const line = await this.reader.next(this.signal);
    if (line === undefined)
      throw new HumanInputClosedError("the terminal input ended (EOF) before a whole action was typed");
    return line;
  }
}
