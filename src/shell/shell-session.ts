import { SandboxError } from "../errors.js";
import type { Sandbox, ShellProcess } from "../sandbox/sandbox.js";
import { decodeBackslashReplace, filterOutput, truncateMiddle } from "./output.js";
import { HeadTailBuffer, TokenScanner } from "./output-buffer.js";
import {
  BOOT,
  END_TOKEN_PATTERN,
  frameCommand,
  MAX_COMMAND_BYTES,
  type ShellStatus,
  StatusReader,
} from "./protocol.js";

/** Outcome of one command in the persistent shell. */
export interface CommandResult {
  /** Filtered output (stdout and stderr interleaved), with a timeout or restart note where one applies. */
  output: string;
  /** Exit status of the command; 124 when it timed out; 2 for a syntax error or a refused command (nothing ran). */
  exitCode: number;
  timedOut?: "total" | "no-output";
  /** True when the shell had to be replaced (a stuck shell builtin, a broken or dead shell). */
  restarted?: boolean;
  /** Working directory after the command. */
  cwd: string;
}

export interface RunOptions {
  /** Seconds the command may run in all. */
  timeoutS: number;
  /** Seconds the command may run without printing anything (default: `timeoutS`). */
  noOutputTimeoutS?: number;
  /** Keep the output unfiltered (blank and progress-bar lines too). */
  raw?: boolean;
  /** Trusted shell code run just before the command (e.g. setting LAST_ACTION); not syntax-checked with it. */
  prelude?: string;
  /** Characters of output kept for this command (default: the session's). */
  maxOutputChars?: number;
}

export interface ShellSessionOptions {
  /** Characters of output kept per command; the middle of longer output is cut out with a note. */
  maxOutputChars?: number;
  /** Script run in every fresh shell (tool functions, variables), before the first command and after a restart. */
  setup?: string;
}

/** After a timeout, how long the shell has to report before it counts as stuck and is replaced. */
const GRACE_MS = 500;
/** How far apart the end of output and the status may arrive before the shell counts as broken. */
const PAIR_MS = 2000;
/** After the shell died, how long its last output may still be arriving. */
const EXIT_DRAIN_MS = 25;
const FORK_FAILURE =
  /fork: (retry: )?(Resource temporarily unavailable|Interrupted system call)|Cannot fork|can't fork/;

/** Why a shell was replaced, and what the observation says about it. */
const RESTART_NOTES = {
  gone: "THE SHELL HAD TO BE RESTARTED: the working directory was kept, but shell variables and functions defined by earlier commands are gone.",
  broken:
    "THE SHELL HAD TO BE RESTARTED because the command broke it (a disabled or replaced builtin, a read-only variable the session needs, or closed or redirected descriptors): the working directory was kept, but shell variables and functions defined by earlier commands are gone.",
};

/** The listeners of the command in flight. */
interface Exchange {
  output(chunk: Buffer): void;
  status(chunk: Buffer): void;
  exited(): void;
}

/**
 * One persistent bash per episode: cwd, variables and functions persist between commands. Each command is sent
 * length-prefixed and `eval`-ed with stdin from /dev/null, never run in part when it has a syntax error (see
 * protocol.ts for how, without a process per command); its end is reported on a
 * separate status channel under a per-command nonce the command cannot learn (see protocol.ts for the threat
 * model). A shell that is stuck, dead or broken is replaced, keeping the working directory.
 */
export class ShellSession {
  private process: ShellProcess | undefined;
  private readonly maxChars: number;
  private cwd: string;
  private current: Exchange | undefined;
  /** The shell died between commands: the next result says it was replaced. */
  private lost = false;

  private constructor(
    private readonly sandbox: Sandbox,
    private readonly options: ShellSessionOptions,
  ) {
    this.maxChars = options.maxOutputChars ?? 100_000;
    this.cwd = sandbox.workspace;
  }

  static async start(sandbox: Sandbox, options: ShellSessionOptions = {}): Promise<ShellSession> {
    const session = new ShellSession(sandbox, options);
    await session.boot();
    return session;
  }

  get workingDirectory(): string {
    return this.cwd;
  }

  private async boot(): Promise<void> {
    const proc = this.sandbox.spawnShell();
    this.process = proc;
    proc.onData((chunk) => {
      if (proc === this.process) this.current?.output(chunk);
    });
    proc.onStatus((chunk) => {
      if (proc === this.process) this.current?.status(chunk);
    });
    proc.onExit(() => {
      if (proc !== this.process) return;
      if (this.current) this.current.exited();
      else {
        this.process = undefined;
        this.lost = true;
      }
    });
    proc.write(BOOT);
    const init = await this.exchange(
      Buffer.from(`cd ${shellQuote(this.cwd)} 2>/dev/null; ${this.options.setup ?? ":"}`),
      { timeoutS: 60, raw: true },
    );
    if (init.exitCode !== 0 || init.restarted) {
      throw new SandboxError(
        `the shell's setup failed (exit ${init.exitCode}): ${init.output.slice(0, 2000)}`,
      );
    }
  }

  /** Runs a command; never throws for the command's own failures, which come back as exit codes and notes. */
  async run(command: string, options: RunOptions): Promise<CommandResult> {
    // bash cannot hold NUL bytes in a variable; they could only ever truncate the command.
    const payload = Buffer.from(command.replaceAll("\0", ""), "utf8");
    if (payload.length > MAX_COMMAND_BYTES) {
      return {
        output: `THE COMMAND WAS NOT RUN: it is ${payload.length} bytes long, and the shell takes commands of at most ${MAX_COMMAND_BYTES} bytes. Write long content to files in smaller parts.`,
        exitCode: 2,
        cwd: this.cwd,
      };
    }
    const lost = this.lost;
    this.lost = false;
    if (!this.process) await this.boot();
    const result = await this.exchange(payload, options);
    if (lost && !result.restarted) {
      result.output = `${result.output}\n${RESTART_NOTES.gone}`.replace(/^\n+/, "");
      result.restarted = true;
    }
    if (this.process && FORK_FAILURE.test(result.output)) {
      // A fork bomb (or a runaway pool) filled the process limit: stop everything so the session stays usable.
      await this.process.killAllButShell();
      // Drain what the killed processes had already written, so it does not leak into the next command.
      await this.exchange(Buffer.from(":"), { timeoutS: 10 });
      result.output +=
        "\nTHE SANDBOX'S PROCESS LIMIT WAS REACHED: every process except the shell was stopped.";
    }
    return result;
  }

  private exchange(payload: Buffer, options: RunOptions): Promise<CommandResult> {
    const proc = this.process!;
    const framed = frameCommand(payload, Buffer.from(options.prelude ?? "", "utf8"));
    const output = new HeadTailBuffer((options.maxOutputChars ?? this.maxChars) * 4);
    const scanner = new TokenScanner(framed.endToken);
    const reader = new StatusReader(framed.nonce);
    return new Promise((resolve) => {
      let timedOut: "total" | "no-output" | undefined;
      let status: Extract<ShellStatus, { kind: "done" }> | undefined;
      let settled = false;
      let killing: Promise<unknown> | undefined;
      const timers: Record<"total" | "idle" | "grace" | "pair", NodeJS.Timeout | undefined> = {
        total: undefined,
        idle: undefined,
        grace: undefined,
        pair: undefined,
      };
      const killChildren = () => {
        killing ??= proc.killAllButShell().catch(() => 0);
        return killing;
      };

      const finish = async (exitCode: number, replaced?: keyof typeof RESTART_NOTES) => {
        if (settled) return;
        settled = true;
        for (const t of Object.values(timers)) clearTimeout(t);
        // What the command printed before the shell broke is already in the output pipe, which may be read after
        // the status descriptor: let it arrive before the exchange is closed.
        if (replaced === "broken") await new Promise((r) => setTimeout(r, EXIT_DRAIN_MS));
        this.current = undefined;
        if (replaced) {
          // Forget the shell first, so its exit is not taken for the next command's.
          this.process = undefined;
          await killChildren();
          if (replaced === "gone") await new Promise((r) => setTimeout(r, EXIT_DRAIN_MS));
          proc.kill();
        }
        if (!scanner.found) output.push(scanner.flush());
        const result = this.result(output, exitCode, options, timedOut, replaced);
        // The next command must not start while the kill sweep of this one is still running.
        await killing;
        resolve(result);
      };
      const check = () => {
        if (scanner.found && status) {
          if (status.cwd) this.cwd = status.cwd;
          void finish(timedOut ? 124 : status.exitCode);
        } else if ((scanner.found || status) && !timers.pair) {
          // The other half must follow at once: if not, stdout or descriptor 3 no longer reaches us.
          timers.pair = setTimeout(() => {
            if (status?.cwd) this.cwd = status.cwd;
            void finish(timedOut ? 124 : (status?.exitCode ?? 137), "broken");
          }, PAIR_MS);
        }
      };
      const onTimeout = (kind: "total" | "no-output") => {
        if (timedOut || settled) return;
        timedOut = kind;
        clearTimeout(timers.total);
        clearTimeout(timers.idle);
        void killChildren();
        // If the shell itself is stuck (a builtin loop, a stopped shell), the status never comes: replace it.
        timers.grace = setTimeout(() => void finish(124, "gone"), GRACE_MS);
      };
      const armIdle = () => {
        if (options.noOutputTimeoutS === undefined || timedOut) return;
        clearTimeout(timers.idle);
        timers.idle = setTimeout(() => onTimeout("no-output"), options.noOutputTimeoutS * 1000);
      };

      this.current = {
        output: (chunk) => {
          if (scanner.found) return; // after the end token: a background process, dropped like between commands
          output.push(scanner.push(chunk));
          armIdle();
          if (scanner.found) check();
        },
        status: (chunk) => {
          if (status) return;
          const s = reader.push(chunk);
          if (s?.kind === "broken") {
            if (s.cwd) this.cwd = s.cwd;
            void finish(timedOut ? 124 : (s.exitCode ?? 137), "broken");
          } else if (s) {
            status = s;
            check();
          }
        },
        // The command ended the shell (`exit`, `set -e`, `exec`, a signal): a fresh one comes with the next command.
        exited: () => void finish(timedOut ? 124 : 137, "gone"),
      };
      timers.total = setTimeout(() => onTimeout("total"), options.timeoutS * 1000);
      armIdle();
      // One write: each is a system call and wakes the shell.
      proc.write(Buffer.concat(framed.input));
    });
  }

  /** The observation: decoded, cleaned, cut to size, with the notes that apply. */
  private result(
    output: HeadTailBuffer,
    exitCode: number,
    options: RunOptions,
    timedOut: "total" | "no-output" | undefined,
    replaced: keyof typeof RESTART_NOTES | undefined,
  ): CommandResult {
    let raw = decodeBackslashReplace(output.contents()).replace(END_TOKEN_PATTERN, "");
    // bash's own report of the jobs we killed ("bash: line 3:  4780 Killed  sleep 10") is noise.
    if (timedOut) raw = raw.replace(/^bash: line \d+: +\d+ Killed.*(\n +\d+ +.*)*$/gm, "");
    let text = truncateMiddle(
      options.raw ? raw : filterOutput(raw),
      options.maxOutputChars ?? this.maxChars,
      output.dropped,
    );
    if (timedOut) {
      const seconds =
        timedOut === "total" ? options.timeoutS : (options.noOutputTimeoutS ?? options.timeoutS);
      text +=
        timedOut === "total"
          ? `\nEXECUTION TIMED OUT BECAUSE THE COMMAND WAS RUNNING FOR MORE THAN ${seconds} SECONDS.`
          : `\nEXECUTION TIMED OUT BECAUSE NO OUTPUT WAS PRODUCED FOR MORE THAN ${seconds} SECONDS.\nPLEASE REFINE YOUR RUNNING COMMAND SO IT WILL PRODUCE OUTPUT IN THE SPECIFIED TIME FRAME.`;
    }
    if (replaced) text += `\n${RESTART_NOTES[replaced]}`;
    const result: CommandResult = { output: text.replace(/^\n+/, ""), exitCode, cwd: this.cwd };
    if (timedOut) result.timedOut = timedOut;
    if (replaced) result.restarted = true;
    return result;
  }

  /**
   * Stops the processes of the command in flight (Ctrl-C in a terminal), again as long as it keeps starting new
   * ones (`sleep 9; sleep 9`), for at most two seconds; the shell and its state stay.
   */
  async interrupt(): Promise<void> {
    const exchange = this.current;
    for (let i = 0; i < 40 && exchange && this.current === exchange; i++) {
      await this.process?.killAllButShell();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    const proc = this.process;
    this.process = undefined;
    this.current = undefined;
    if (!proc) return;
    try {
      await proc.killAllButShell();
    } finally {
      proc.kill();
    }
  }
}

/** Single-quotes a string for bash. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
