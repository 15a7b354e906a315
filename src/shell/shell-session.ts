import { randomBytes } from "node:crypto";
import { SandboxError } from "../errors.js";
import type { Sandbox, ShellProcess } from "../sandbox/sandbox.js";
import { decodeBackslashReplace, filterOutput, truncateMiddle } from "./output.js";

/** Outcome of one command in the persistent shell. */
export interface CommandResult {
  /** Filtered output (stdout and stderr interleaved), with a timeout or restart note where one applies. */
  output: string;
  /** Exit status of the command; 124 when it timed out; 2 for a syntax error (nothing ran). */
  exitCode: number;
  timedOut?: "total" | "no-output";
  /** True when the shell had to be replaced (a stuck shell builtin, or the command killed the shell). */
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
}

export interface ShellSessionOptions {
  /** Characters of output kept per command; the middle of longer output is cut out with a note. */
  maxOutputChars?: number;
  /** Script run in every fresh shell (tool functions, variables), before the first command and after a restart. */
  setup?: string;
}

const GRACE_MS = 3000;
const FORK_FAILURE =
  /fork: (retry: )?(Resource temporarily unavailable|Interrupted system call)|Cannot fork|can't fork/;

/**
 * One persistent bash per episode: cwd, variables and functions persist between commands. Each command is sent
 * length-prefixed, checked with `bash -n`, then `eval`-ed with stdin from /dev/null (so nothing it runs can eat
 * the protocol or wait for input), and ends with a marker line carrying its exit status and working directory.
 */
export class ShellSession {
  private process!: ShellProcess;
  private readonly marker = `__MLGYM_DONE_${randomBytes(8).toString("hex")}__`;
  private readonly maxChars: number;
  private cwd: string;
  private alive = false;
  private listener: ((chunk: Buffer) => void) | undefined;
  private exitListener: (() => void) | undefined;

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
    this.alive = true;
    proc.onData((chunk) => {
      if (proc === this.process) this.listener?.(chunk);
    });
    proc.onExit(() => {
      if (proc !== this.process) return;
      this.alive = false;
      this.exitListener?.();
    });
    this.process.write(`exec 2>&1\n__MLGYM_MARK=${this.marker}\n`);
    const init = await this.run(`cd ${shellQuote(this.cwd)} 2>/dev/null; ${this.options.setup ?? ":"}`, {
      timeoutS: 60,
      raw: true,
    });
    if (init.exitCode !== 0) {
      throw new SandboxError(
        `the shell's setup failed (exit ${init.exitCode}): ${init.output.slice(0, 2000)}`,
      );
    }
  }

  /** Runs a command; never throws for the command's own failures, which come back as exit codes and notes. */
  async run(command: string, options: RunOptions): Promise<CommandResult> {
    if (!this.alive) await this.restart();
    const payload = Buffer.from(command, "utf8");
    const script = this.wrap(payload, options);
    const result = await this.exchange(script, payload, options);
    if (FORK_FAILURE.test(result.output)) {
      // A fork bomb (or a runaway pool) filled the process limit: stop everything so the session stays usable.
      await this.process.killAllButShell();
      // Drain what the killed processes had already written, so it does not leak into the next command.
      const noop = Buffer.from(":");
      await this.exchange(this.wrap(noop, {}), noop, { timeoutS: 10 });
      result.output +=
        "\nTHE SANDBOX'S PROCESS LIMIT WAS REACHED: every process except the shell was stopped.";
    }
    return result;
  }

  /** The protocol around one command: read it length-prefixed, syntax-check, eval, print the marker. */
  private wrap(payload: Buffer, options: { prelude?: string }): string {
    return (
      `IFS= LC_ALL=C read -r -d '' -N ${payload.length} __mlgym_cmd\n` +
      `${options.prelude ? `${options.prelude}; ` : ""}if __mlgym_err=$(/bin/bash -n 2>&1 <<<"$__mlgym_cmd"); then eval "$__mlgym_cmd" </dev/null; __mlgym_ec=$?; ` +
      `else printf '%s\\n' "$__mlgym_err"; __mlgym_ec=2; fi; ` +
      `printf '\\n%s:%s:%s\\n' "$__MLGYM_MARK" "$__mlgym_ec" "$PWD"\n`
    );
  }

  private exchange(script: string, payload: Buffer, options: RunOptions): Promise<CommandResult> {
    return new Promise((resolve) => {
      const head: Buffer[] = [];
      let headBytes = 0;
      let tail: Buffer = Buffer.alloc(0);
      let dropped = 0;
      const keep = this.maxChars * 4;
      const markerRe = new RegExp(`\\n?${this.marker}:(-?\\d+):([^\\n]*)\\n$`);
      let timedOut: "total" | "no-output" | undefined;
      let settled = false;
      let totalTimer: NodeJS.Timeout | undefined;
      let idleTimer: NodeJS.Timeout | undefined;
      let graceTimer: NodeJS.Timeout | undefined;
      let killing: Promise<unknown> = Promise.resolve();

      const collected = (): Buffer => Buffer.concat([...head, tail]);
      const finish = (exitCode: number, cwd: string | undefined, restarted: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(totalTimer);
        clearTimeout(idleTimer);
        clearTimeout(graceTimer);
        this.listener = undefined;
        this.exitListener = undefined;
        if (cwd !== undefined) this.cwd = cwd;
        let raw = decodeBackslashReplace(collected()).replace(markerRe, "");
        // bash's own report of the jobs we killed ("bash: line 3:  4780 Killed  sleep 10") is noise.
        if (timedOut) raw = raw.replace(/^bash: line \d+: +\d+ Killed.*(\n +\d+ +.*)*$/gm, "");
        let output = options.raw ? raw : filterOutput(raw);
        output = truncateMiddle(output, this.maxChars, dropped);
        if (timedOut) {
          const seconds =
            timedOut === "total" ? options.timeoutS : (options.noOutputTimeoutS ?? options.timeoutS);
          output +=
            timedOut === "total"
              ? `\nEXECUTION TIMED OUT BECAUSE THE COMMAND WAS RUNNING FOR MORE THAN ${seconds} SECONDS.`
              : `\nEXECUTION TIMED OUT BECAUSE NO OUTPUT WAS PRODUCED FOR MORE THAN ${seconds} SECONDS.\nPLEASE REFINE YOUR RUNNING COMMAND SO IT WILL PRODUCE OUTPUT IN THE SPECIFIED TIME FRAME.`;
        }
        if (restarted) {
          output +=
            "\nTHE SHELL HAD TO BE RESTARTED: the working directory was kept, but shell variables and functions defined by earlier commands are gone.";
        }
        const result: CommandResult = { output: output.replace(/^\n+/, ""), exitCode, cwd: this.cwd };
        if (timedOut) result.timedOut = timedOut;
        if (restarted) result.restarted = true;
        // The next command must not start while the kill sweep of this one is still running.
        void killing.then(() => resolve(result));
      };

      const restartAndFinish = async () => {
        if (settled) return;
        await this.restart();
        finish(timedOut ? 124 : 137, undefined, true);
      };

      const onTimeout = (kind: "total" | "no-output") => {
        if (timedOut || settled) return;
        timedOut = kind;
        clearTimeout(totalTimer);
        clearTimeout(idleTimer);
        killing = this.process.killAllButShell().catch(() => 0);
        // If the shell itself is stuck (a builtin loop), the marker never comes: replace the shell.
        graceTimer = setTimeout(() => void restartAndFinish(), GRACE_MS);
      };
      const armIdle = () => {
        if (options.noOutputTimeoutS === undefined || timedOut) return;
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => onTimeout("no-output"), options.noOutputTimeoutS * 1000);
      };

      this.listener = (chunk) => {
        if (headBytes < keep) {
          head.push(chunk);
          headBytes += chunk.length;
        } else {
          tail = Buffer.concat([tail, chunk]);
          if (tail.length > keep) {
            dropped += tail.length - keep;
            tail = tail.subarray(tail.length - keep);
          }
        }
        armIdle();
        const end = (tail.length > 0 ? tail : chunk)
          .subarray(-(this.marker.length + 4200))
          .toString("latin1");
        if (!end.endsWith("\n") || !end.includes(this.marker)) return;
        const all = decodeBackslashReplace(collected().subarray(-(this.marker.length + 8192)));
        const m = markerRe.exec(all);
        if (m) finish(timedOut ? 124 : Number(m[1]), m[2], false);
      };
      this.exitListener = () => {
        // The command ended the shell (`exit`, `set -e`, `kill $$`): start a new one.
        void restartAndFinish();
      };
      totalTimer = setTimeout(() => onTimeout("total"), options.timeoutS * 1000);
      armIdle();
      const split = script.indexOf("\n") + 1;
      this.process.write(script.slice(0, split));
      this.process.write(payload);
      this.process.write(script.slice(split));
    });
  }

  /** Replaces a dead or stuck shell with a fresh one in the last known working directory. */
  private async restart(): Promise<void> {
    this.listener = undefined;
    this.exitListener = undefined;
    try {
      await this.process.killAllButShell();
    } catch {
      // the old shell may be gone already
    }
    this.process.kill();
    await this.boot();
  }

  async close(): Promise<void> {
    this.listener = undefined;
    this.exitListener = undefined;
    if (!this.alive) return;
    try {
      await this.process.killAllButShell();
    } finally {
      this.process.kill();
    }
  }
}

/** Single-quotes a string for bash. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
