import { randomBytes } from "node:crypto";

/**
 * The text the host writes to the persistent bash, and how it reads the answers.
 *
 * Threat model: the command, and anything it starts, may print anything, redefine or disable builtins, set traps
 * and options, make variables read-only and close or redirect descriptors. None of that may end a command early,
 * shift later observations or wedge the session; what cannot be repaired is detected and the shell replaced.
 *
 * - The end of a command is reported on a status channel (descriptor 3 of the shell), closed for the command. Each
 *   command has a fresh nonce that appears only in the text of its own wrapper, which the shell has parsed before
 *   the command starts: never in a variable, the environment or the command line while the command runs, so the
 *   command cannot learn it. The host accepts only the status line with the current nonce; stale, guessed or
 *   garbled lines are ignored.
 * - The command's output ends with a token carrying the same nonce (`\x1emlgym-end-<nonce>\x1e` on stdout), so
 *   the host knows it has all of the output that came before the status.
 * - Per command the main loop parses two fixed lines of a few bytes, `_m` and `_mw` (aliases: the reader, set up
 *   again after every command, and the wrapper it read). The wrapper is read with `read -N` and run as a one-time
 *   alias, in POSIX mode, where special builtins (`eval`, `unset`, `set`, `trap`, `exit`) are found before functions
 *   and reserved words are never alias-expanded. The command itself runs outside POSIX mode, one `eval` deep.
 * - The command and the prelude are sent length-prefixed and read with `read -N` (fast, and no byte of them is
 *   parsed by the main loop), then `eval`-ed with stdin from /dev/null and descriptor 3 closed; bash restores
 *   stdin, stdout, stderr and descriptor 3 after it.
 * - A command with a syntax error runs no part of itself, without a process per command: `eval` parses a line
 *   whole before it runs any of it, and the line's first statement unsets the command's variable, so a variable
 *   still set afterwards means the line never ran (its parse error went to /dev/null: stderr joins the output in
 *   that first statement). Only `bash -n` is started then, to report the error in bash's usual words. A command
 *   that `eval` runs line by line (several lines, here-documents) or whose parse error would end the shell (a
 *   command or process substitution: a non-interactive bash exits on those) is first parsed in a forked subshell
 *   under `set -n`, which parses without running anything (see `needsParseCheck`).
 * - After each command the wrapper removes functions named like the builtins it uses, re-enables those builtins,
 *   clears every trap and the options that would disturb it, then checks what it cannot repair (POSIX mode
 *   reachable, `IFS`/`LC_ALL`/`TMOUT` neither read-only nor name references, stdout and stderr one stream). A
 *   failure is reported as broken, by an error message that a redirection alone writes (no builtin needed), and
 *   the shell exits; the host replaces it, keeping the working directory. A shell that reports nothing (stopped,
 *   `set -n`, a DEBUG trap under extdebug, a write blocked on a saved descriptor) is replaced after the timeout.
 *   Last, it parses a small definition that resets what a failed parse in `eval` may leave in bash's parser
 *   (see RESYNC), so the next wrapper is read as written. What of this holds no nonce runs as read-only functions
 *   defined when the shell starts (`__mlgym_fix`, `__mlgym_tail`), parsed once instead of with every wrapper; the
 *   traps are cleared in the wrapper itself, as bash restores DEBUG, RETURN and ERR traps when a function returns.
 *
 * Consequence for the agent: traps, the options `-euxvaktmTEHb`, POSIX mode and functions named like the builtins
 * below last only until the end of the command that sets them (aliases and `expand_aliases` do persist).
 *
 * Out of reach of an in-process protocol (documented, not defended): a command that reads the shell's memory
 * (`/proc/<pid>/mem`), sets a DEBUG trap (which sees the wrapper's first statement), or disables `unset` and
 * defines a function of that name, can learn its own nonce and forge its own result, not a later one; a
 * background subshell inherits the descriptors bash saved while the command ran, and could steal later protocol
 * input (and with it a later nonce). Defending these needs a supervisor process outside the agent's reach.
 */

/** Longest command the shell takes (bytes of UTF-8); a longer one is refused with a note and not run. */
export const MAX_COMMAND_BYTES = 2 * 1024 * 1024;

/** Builtins the protocol calls; after each command they are re-enabled and functions of their names removed. */
const BUILTINS = "unset enable set trap printf read eval exec exit alias unalias shopt";
const SHADOWS = `${BUILTINS} /bin/bash command_not_found_handle`;
/**
 * Reads a length-prefixed part (`-N` ignores delimiters). `-N` counts characters of the locale: bytes under
 * LC_ALL=C, which costs two locale switches per read, so parts of ASCII only (where characters are bytes in every
 * locale) are read without it.
 */
const READ = "TMOUT= \\read -rN";
const READ_BYTES = "LC_ALL=C TMOUT= \\read -rN";
/**
 * The protocol's variables and its alias are named `_m<letter><nonce>`: short (the main loop reads its lines a byte
 * at a time), and unknown to the command beforehand, so it cannot have made them read-only or name references.
 */
/** Turns POSIX mode off, which also turns alias expansion off, and then back on if the agent had it on. */
const LEAVE_POSIX = "\\set +o posix;[[ :$__mlgym_o: == *:expand_aliases:* ]]&&\\shopt -s expand_aliases";

/**
 * The first statement of the command's `eval` string: it joins stderr to the output again (parse errors of the
 * line it is on went to /dev/null) and unsets the variables that name the nonce (and sets $_ to a harmless word).
 */
const PREFIX = "\\\\exec 2>&1;\\\\unset -v _mc{N} _mp{N} __mlgym_o __mlgym_ 2>/dev/null";
/**
 * The `eval` word: the prefix on the command's first line, so the line is parsed whole before the prefix runs. The
 * command ends with a newline, as `bash -n <<<` reads it (a final backslash continues the line, as it would there).
 */
const ON_FIRST_LINE = `"${PREFIX};$_mc{N}"$'\\n'`;
/** The prefix on a line of its own, for commands checked beforehand (parse warnings of any line reach the output). */
const ON_OWN_LINE = `"${PREFIX}"$'\\n'"$_mc{N}"$'\\n'`;

/**
 * Parses the command without running any of it, in a forked subshell under `set -n` (which stops running for good,
 * and a parse error in a command substitution would end the shell itself); only for commands that need it.
 */
const PARSE_CHECK = `( \\eval "\\\\set -n;"${ON_OWN_LINE} ) 0</dev/null 1>/dev/null 2>&1 3>&- &&`;

/**
 * What runs the command: leave POSIX mode (where `read -N` reads byte by byte), read the prelude and the command,
 * run the prelude, check the command's syntax where `eval` alone cannot, eval it with stdin and fd 3 closed.
 */
const RUN =
  `${LEAVE_POSIX};{READP} {PLEN} _mp{N}&&{READC} {CLEN} _mc{N}&&` +
  `{ \\eval "$_mp{N}";{CHECK}\\eval {COMMAND} 0</dev/null 1>&2 2>/dev/null 3>&-;}`;

/**
 * A syntax error, once the shell is repaired (so no `set -x` of the command shows): the command's variable is still
 * set, as it never ran. bash's own message from `bash -n` and exit status 2; if `bash -n` finds no error (the
 * agent's aliases made the difference), the shell's own parse, with the agent's alias setting, says why.
 */
const REPORT =
  `[[ ! -v _mc{N} ]]||{ /bin/bash -n <<<"$_mc{N}" 3>&-&&( \\set +o posix;[[ :$_mo{N}: == *:expand_aliases:* ]]&&\\shopt -s expand_aliases;` +
  `\\eval '\\set -n'$'\\n'"$_mc{N}"$'\\n' ) 0</dev/null 3>&-;_me{N}=2;}`;

/**
 * Leaves bash's parser as a clean parse does. A parse error inside `eval` (the command's own, or a one-line command's
 * syntax error found by the wrapper's `eval`) can leave state behind in bash 5.2 that breaks the next parse, the
 * next wrapper's (`[[` read as a command name, `case` patterns misread); parsing a small function definition that
 * holds those constructs consumes it (checked over thousands of broken commands). The definition never takes effect:
 * its name is a read-only function from the start, so it fails once parsed (and runs nothing even if misparsed);
 * outside POSIX mode, where its parse error is not fatal, and without aliases.
 */
const RESYNC = "\\eval '__mlgym_z() { [[ x ]]; case x in x) ;; esac; }' 2>/dev/null";

/**
 * The main loop parses only two short lines per command, a byte at a time (each byte it parses costs about a
 * microsecond): `_m`, the reader alias, whose text (from memory) reads the wrapper's length (8 digits) and the
 * wrapper (sent right after) into a one-time alias and enters POSIX mode; then, after the wrapper's bytes, `_mw`, that
 * alias. (A second line inside the reader's own text would save the second read, but a parse error inside `eval`
 * under nested alias text crashes bash 5.2.) Between commands the shell waits outside POSIX mode, where `read -N`
 * reads in blocks, with alias expansion on; the wrapper restores the agent's setting (noted in `__mlgym_o`) for the
 * command. The reader unsets its variables first (attributes the command gave them, `declare -i` or `-u`, go with
 * them); a read-only one or a name reference (which would catch the next wrapper) fails the wrapper's checks after
 * the command, and the shell is replaced.
 */
const READER = `\\unset -v __mlgym_w __mlgym_l;${READ} 8 __mlgym_l&&${READ} "$__mlgym_l" __mlgym_w&&\\alias _mw="$__mlgym_w"&&\\set -o posix||\\exit 98`;
const DEFINE = "_m\n";
const USE = "_mw\n";
/** (Re)defines the reader alias and enters POSIX mode: at boot, and at the end of every wrapper. */
const ARM = `\\alias _m=${bashAnsiQuote(READER)};\\shopt -s expand_aliases`;

function bashAnsiQuote(text: string): string {
  return `$'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\n", "\\n")}'`;
}

/**
 * The constant parts of what runs after every command live in functions defined once, when the shell starts, and made
 * read-only there: the command can neither redefine nor unset them (nor define the name RESYNC parses, so that
 * definition always fails after it is parsed), and parsing them once instead of with every wrapper halves the shell's
 * time per command. They hold no nonce: what names the command's nonce stays in the wrapper's own text, and so does
 * the syntax report (bash words a parse error inside a function differently). Called with a backslash, which no alias
 * matches; only special builtins come before functions, and none has these names.
 *
 * `__mlgym_fix` repairs and checks: POSIX mode (where the special builtins used below come before any function of
 * their names), functions named like the builtins removed and the builtins re-enabled, the disturbing options
 * cleared, and the variables the protocol reads neither read-only nor name references. (The traps are cleared by the
 * wrapper after it, under the same redirection: bash would restore DEBUG, RETURN and ERR on the function's return.)
 * `__mlgym_tail` leaves POSIX mode, resynchronises the parser, restores the agent's alias setting (its argument) and
 * arms the reader.
 */
const FUNCTIONS =
  // (A read-only POSIXLY_CORRECT makes `set -o posix` fail; assigning it would abandon the whole wrapper, eval not.)
  "__mlgym_fix() { \\set -o posix;[[ -o posix ]]||\\eval POSIXLY_CORRECT=y;" +
  `[[ -o posix ]]&&\\unset -f ${SHADOWS}&&\\enable ${BUILTINS}&&\\set +euxvaktmTEHb -B&&` +
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's parameter expansion
  "[[ ${IFS@a}${LC_ALL@a}${TMOUT@a}${__mlgym_o@a}${__mlgym_w@a}${__mlgym_l@a} != *r* && ! -R IFS && ! -R LC_ALL && ! -R TMOUT && ! -R __mlgym_o && ! -R __mlgym_w && ! -R __mlgym_l ]];};" +
  `__mlgym_tail() { \\set +o posix;${RESYNC};\\unset -v __mlgym_o;__mlgym_o=$1;${ARM};};` +
  "__mlgym_z() { :;};\\readonly -f __mlgym_fix __mlgym_tail __mlgym_z";

/** Written once to a fresh shell: stdout and stderr become one stream, the agent's options are noted, the reader armed. */
export const BOOT = `exec 2>&1;__mlgym_o=$BASHOPTS;${FUNCTIONS};${ARM}\n`;

/**
 * After the command: capture $? (and the alias setting), repair and check, check that stdout and stderr are one
 * stream (outside the repair's redirection), report a syntax error, then the end token and the status; last, hand
 * the alias setting to `__mlgym_tail`.
 */
const AFTER =
  "{ _me{N}=$? _mo{N}=$BASHOPTS;\\__mlgym_fix&&\\trap - {1..31} {34..64} EXIT DEBUG RETURN ERR;} >/dev/null 2>&1&&" +
  `[[ /proc/self/fd/1 -ef /proc/self/fd/2 ]]&&{ ${REPORT};` +
  "\\printf '\\036mlgym-end-{N}\\036'&&\\printf '{N}:%s:%s\\0' \"$_me{N}\" \"$PWD\" >&3;}||" +
  // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's parameter expansion
  '{ 2>&3 <"/dev/null/mlgym-broken:{N}:${_me{N}-}:${PWD-}";\\exit 99;};' +
  '\\unset -v _me{N} _mc{N} _mp{N};\\__mlgym_tail "$_mo{N}";\\unset -v _mo{N}';

/**
 * The wrapper, run as the expansion of a one-time alias (not through eval, so the command runs one eval deep as it
 * always did, and `set -x` shows `++`): one line, parsed whole before any of it runs, in POSIX mode.
 */
const WRAPPER = `\\unalias _m _mw;\\unset -v __mlgym_w __mlgym_l;{ ${RUN};${AFTER};}`;

/** One command, ready to be written to the shell. */
export interface FramedCommand {
  nonce: string;
  /** What to write to the shell's stdin, in order. */
  input: Buffer[];
  /** Printed by the wrapper on stdout right after the command's output. */
  endToken: Buffer;
}

/**
 * Whether `eval` alone could run part of the command before finding a syntax error in it, or end the shell on one:
 * a newline (a later line, or a here-document's body), a here-document, a command or process substitution (a
 * parse error in one makes a non-interactive bash exit), or `${ ` (a command substitution in newer bash versions).
 */
export function needsParseCheck(command: Buffer): boolean {
  return NEEDS_PARSE_CHECK.test(command.toString("latin1"));
}
const NEEDS_PARSE_CHECK = /\n|[$<>]\(|(?<!<)<<(?!<)|\$\{[\s|]/;

/** Nonces are drawn from a pool of random bytes: one call to the system's generator per 512 commands. */
let pool = Buffer.alloc(0);
function nextNonce(): string {
  if (pool.length < 8) pool = randomBytes(4096);
  const nonce = pool.subarray(0, 8).toString("hex");
  pool = pool.subarray(8);
  return nonce;
}

function readerFor(part: Buffer): string {
  for (const byte of part) if (byte >= 0x80) return READ_BYTES;
  return READ;
}

/** Frames a command (and trusted `prelude` code run just before it, not syntax-checked) with a fresh nonce. */
export function frameCommand(command: Buffer, prelude: Buffer): FramedCommand {
  const nonce = nextNonce();
  const parts = wrapperParts(needsParseCheck(command), readerFor(prelude), readerFor(command));
  const values: Record<string, string> = {
    "{N}": nonce,
    "{PLEN}": String(prelude.length),
    "{CLEN}": String(command.length),
  };
  let text = "";
  for (const part of parts) text += values[part] ?? part;
  const wrapper = Buffer.from(text, "latin1");
  return {
    nonce,
    input: [
      Buffer.from(DEFINE + String(wrapper.length).padStart(8, "0")),
      wrapper,
      Buffer.from(USE),
      prelude,
      command,
    ],
    endToken: endToken(nonce),
  };
}

/** The wrapper's text for each variant, split around what changes per command (built once, not per command). */
const WRAPPER_PARTS = new Map<string, string[]>();
function wrapperParts(check: boolean, readPrelude: string, readCommand: string): string[] {
  const key = `${check}\0${readPrelude}\0${readCommand}`;
  let parts = WRAPPER_PARTS.get(key);
  if (!parts) {
    // (Functions, as `$'` in a replacement string means something to `replace`.)
    const template = WRAPPER.replace("{CHECK}", () => (check ? PARSE_CHECK : ""))
      .replace("{COMMAND}", () => (check ? ON_OWN_LINE : ON_FIRST_LINE))
      .replace("{READP}", () => readPrelude)
      .replace("{READC}", () => readCommand);
    parts = template.split(/(\{N\}|\{PLEN\}|\{CLEN\})/);
    WRAPPER_PARTS.set(key, parts);
  }
  return parts;
}

export function endToken(nonce: string): Buffer {
  return Buffer.from(`\x1emlgym-end-${nonce}\x1e`);
}

/** Any end token, current or stale (a command could only print one it read from the wrapper's own output). */
export const END_TOKEN_PATTERN = /\x1emlgym-end-[0-9a-f]{16}\x1e/g;

/** What the shell reported on the status channel for the current command. */
export type ShellStatus =
  | { kind: "done"; exitCode: number; cwd: string }
  | { kind: "broken"; exitCode: number | undefined; cwd: string | undefined };

const MAX_STATUS_BYTES = 64 * 1024;
const BROKEN = Buffer.from("mlgym-broken:");

/**
 * Reads the status channel for one nonce: `<nonce>:<exit>:<cwd>\0` when the command ended normally, or bash's
 * error message naming `/dev/null/mlgym-broken:<nonce>:<exit>:<cwd>` when the wrapper found the shell broken.
 * Anything else (garbage, stale or guessed lines from the command's background processes) is skipped.
 */
export class StatusReader {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly key: Buffer;

  constructor(nonce: string) {
    this.key = Buffer.from(`${nonce}:`);
  }

  /** Adds a chunk; returns the status once it is complete. */
  push(chunk: Buffer): ShellStatus | undefined {
    this.buffer = this.buffer.length > 0 ? Buffer.concat([this.buffer, chunk]) : chunk;
    const at = this.buffer.indexOf(this.key);
    if (at < 0) {
      // Only the end can still begin a record ("mlgym-broken:" and part of the key).
      const keep = Math.min(this.buffer.length, BROKEN.length + this.key.length);
      this.buffer = Buffer.from(this.buffer.subarray(this.buffer.length - keep));
      return undefined;
    }
    const broken = at >= BROKEN.length && this.buffer.subarray(at - BROKEN.length, at).equals(BROKEN);
    const end = this.buffer.indexOf(broken ? 0x0a : 0x00, at);
    if (end < 0) {
      // A record is short (a path); a longer one is not the wrapper's.
      if (this.buffer.length - at > MAX_STATUS_BYTES)
        return { kind: "broken", exitCode: undefined, cwd: undefined };
      return undefined;
    }
    const record = this.buffer.subarray(at + this.key.length, end).toString("utf8");
    // bash's message ends with ": <error>" after the path it could not open.
    const m = /^(\d{1,3})?:(.*)$/s.exec(broken ? record.replace(/: [^:]*$/, "") : record);
    const exitCode = m?.[1] ? Number(m[1]) : undefined;
    if (broken || exitCode === undefined) return { kind: "broken", exitCode, cwd: m?.[2] || undefined };
    return { kind: "done", exitCode, cwd: m?.[2] ?? "" };
  }
}
