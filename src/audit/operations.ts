import { posix } from "node:path";
import { type Layout, resolvePath } from "./paths.js";
import { pythonFileOps, pythonShellCommands } from "./python-ops.js";
import { commandWords, parseShell, type SimpleCommand } from "./shell-parse.js";

/** A change to the file system that a step makes or asks for. */
export interface FileOp {
  kind: "write" | "delete" | "chmod" | "link" | "move-away" | "mkdir";
  /** Absolute, normalised; may hold glob characters. */
  path: string;
  /** The command or tool that does it (`cp`, "`>` redirection", `edit`, "open(..., 'w')"). */
  how: string;
  evidence: string;
  /** Whether the observation shows this change was refused or undone (editor linter, read-only file). */
  refused?: boolean;
}

/** Text a step writes into a file, or Python code it runs directly. */
export interface CodeText {
  /** Absolute path of the file written; undefined for code run directly (`python -c`, `python - << EOF`). */
  file: string | undefined;
  code: string;
  /** Whether the text is Python (a `.py` file or code given to `python`). */
  python: boolean;
  evidence: string;
}

/** What one step does to files. */
export interface StepOps {
  ops: FileOp[];
  codes: CodeText[];
  /** The file the editor had open after the step. */
  openFile: string | undefined;
  /** Whether the observation says the change was refused or undone (linter, permissions). */
  refused: boolean;
}

/** Where a step starts. */
export interface StepPlace {
  cwd: string;
  openFile: string | undefined;
  layout: Layout;
}

const EDITOR_END: Record<string, string> = { edit: "end_of_edit", insert: "end_of_insert" };
const FILE_HEADER = /\[File: ([^\]\n]+?) \(\d+ lines total\)\]/;
const REFUSED =
  /Your proposed edit has introduced|introduced new syntax error|edit (?:was|has been) undone|Permission denied|Read-only file system|Operation not permitted/i;
const WRITE_REDIRECTS = new Set([">", ">>", ">|", "&>", "&>>", "<>"]);
const DEVICE = /^\/dev\/(?:null|stdout|stderr|tty|fd\/\d+)$/;
const MAX_EVIDENCE = 240;

/** A one-line excerpt of at most 240 characters. */
export function excerpt(text: string, max = MAX_EVIDENCE): string {
  const flat = text.trim().replace(/\s*\n\s*/g, " ⏎ ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const VALUE_OPTIONS: Record<string, readonly string[]> = {
  cp: ["-t", "--target-directory", "-S", "--suffix"],
  mv: ["-t", "--target-directory", "-S", "--suffix"],
  ln: ["-t", "--target-directory", "-S", "--suffix"],
  install: ["-m", "--mode", "-o", "-g", "-t", "--target-directory", "-S"],
  rsync: ["-e", "--exclude", "--include", "-f"],
  truncate: ["-s", "--size", "-r", "--reference"],
  touch: ["-d", "-r", "-t", "--date", "--reference"],
  mkdir: ["-m", "--mode"],
  sed: ["-e", "-f", "--expression", "--file"],
  perl: ["-e", "-E", "-I", "-M"],
};

/** Positional arguments and the values of options that take one. */
function splitArgs(name: string, args: readonly string[]) {
  const takesValue = VALUE_OPTIONS[name] ?? [];
  const positional: string[] = [];
  const values = new Map<string, string>();
  let onlyPositional = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (onlyPositional || !arg.startsWith("-") || arg === "-") positional.push(arg);
    else if (arg === "--") onlyPositional = true;
    else if (takesValue.includes(arg)) {
      values.set(arg, args[i + 1] ?? "");
      i++;
    } else {
      const eq = arg.indexOf("=");
      if (eq > 0) values.set(arg.slice(0, eq), arg.slice(eq + 1));
    }
  }
  return { positional, values };
}

function looksLikeFolder(path: string): boolean {
  const base = posix.basename(path);
  return path.endsWith("/") || base === "." || base === ".." || !base.includes(".");
}

function echoText(name: string, args: readonly string[]): string {
  const rest = [...args];
  while (rest[0] && /^-[neE]+$/.test(rest[0])) rest.shift();
  const text = rest.join(" ");
  return name === "printf" || args.includes("-e") ? text.replace(/\\n/g, "\n").replace(/\\t/g, "\t") : text;
}

const PYTHON = /^python(?:\d+(?:\.\d+)?)?$/;

/** The file operations and code of one shell command; `place.cwd` follows `cd`. */
function shellCommandOps(command: SimpleCommand, place: StepPlace, out: StepOps): void {
  const words = commandWords(command);
  const name = posix.basename(words[0] ?? "");
  const args = words.slice(1);
  const evidence = excerpt(
    command.heredoc === undefined ? command.text : `${command.text}\n${command.heredoc}`,
  );
  const at = (p: string) => resolvePath(p, place.cwd, place.layout);
  const op = (kind: FileOp["kind"], path: string, how = name) =>
    out.ops.push({ kind, path: at(path), how, evidence });
  const { positional, values } = splitArgs(name, args);

  switch (name) {
    case "cd":
      if (positional[0] !== "-") place.cwd = at(positional[0] ?? place.layout.home);
      break;
    case "cp":
    case "mv":
    case "install":
    case "rsync":
    case "scp":
    case "ln": {
      const targetDir = values.get("-t") ?? values.get("--target-directory");
      const sources = targetDir !== undefined ? positional : positional.slice(0, -1);
      const dest = targetDir ?? positional.at(-1);
      if (name === "ln" && targetDir === undefined && positional.length === 1) {
        op("link", posix.basename(positional[0] as string));
        break;
      }
      if (dest === undefined || sources.length === 0) break;
      const kind = name === "ln" ? "link" : "write";
      const asFolder = targetDir !== undefined || sources.length > 1 || looksLikeFolder(dest);
      if (targetDir === undefined) op(kind, dest);
      if (asFolder) for (const source of sources) op(kind, posix.join(dest, posix.basename(source)));
      if (name === "mv") for (const source of sources) op("move-away", source);
      break;
    }
    case "rm":
    case "rmdir":
    case "unlink":
    case "shred":
      for (const path of positional) op("delete", path);
      break;
    case "truncate":
    case "touch":
    case "create":
      for (const path of positional) op("write", path);
      break;
    case "mkdir":
      for (const path of positional) op("mkdir", path);
      break;
    case "tee":
      for (const path of positional) {
        op("write", path);
        if (command.heredoc !== undefined)
          out.codes.push({ file: at(path), code: command.heredoc, python: path.endsWith(".py"), evidence });
      }
      break;
    case "dd":
      for (const arg of args) if (arg.startsWith("of=")) op("write", arg.slice(3));
      break;
    case "chmod":
    case "chown":
    case "chgrp":
    case "chattr":
    case "setfacl": {
      const operands = args.filter((a) => !/^-[RvfcHLP]+$|^--/.test(a));
      const targets =
        name === "chattr" ? operands.filter((a) => !/^[-+=][A-Za-z]+$/.test(a)) : operands.slice(1);
      for (const path of targets) op("chmod", path);
      break;
    }
    case "sed":
    case "perl": {
      if (!args.some((a) => /^-[a-z]*i/.test(a) || a.startsWith("--in-place"))) break;
      const scriptGiven =
        values.has("-e") || values.has("-f") || values.has("--expression") || values.has("-E");
      for (const path of scriptGiven ? positional : positional.slice(1)) op("write", path, `${name} -i`);
      break;
    }
    default:
      if (PYTHON.test(name)) {
        const c = args.indexOf("-c");
        const script = args.find((a) => !a.startsWith("-"));
        const code =
          c >= 0 ? args[c + 1] : script === undefined || script === "-" ? command.heredoc : undefined;
        if (code !== undefined) {
          out.codes.push({ file: undefined, code, python: true, evidence });
          pythonOps(code, place, out, evidence);
        }
      }
  }

  const content =
    command.heredoc ?? (name === "echo" || name === "printf" ? echoText(name, args) : undefined);
  for (const redirect of command.redirects) {
    if (!WRITE_REDIRECTS.has(redirect.op) || DEVICE.test(redirect.target)) continue;
    op("write", redirect.target, `\`${redirect.op}\` redirection`);
    if (content !== undefined && name !== "tee")
      out.codes.push({
        file: at(redirect.target),
        code: content,
        python: redirect.target.endsWith(".py"),
        evidence,
      });
  }
}

/** File operations of Python code run from `cwd` (string-literal paths only), including its shell calls. */
function pythonOps(code: string, place: StepPlace, out: StepOps, evidence: string): void {
  for (const p of pythonFileOps(code))
    out.ops.push({ kind: p.kind, path: resolvePath(p.path, place.cwd, place.layout), how: p.how, evidence });
  for (const line of pythonShellCommands(code)) shellOps(line, { ...place }, out);
}

function shellOps(text: string, place: StepPlace, out: StepOps): void {
  for (const command of parseShell(text)) shellCommandOps(command, place, out);
}

/**
 * What a step's action does to files: editor tools (`create`, `edit`, `insert` on the open file, whose path the
 * observation's `[File: ...]` header confirms), shell commands (redirections, `cp`, `mv`, `ln`, `rm`, `chmod`,
 * `tee`, `sed -i`, ...), and Python given to `python -c` or a here-document. Pure; `place.cwd` follows `cd`.
 */
export function stepOps(action: string, observation: string, place: StepPlace): StepOps {
  const out: StepOps = { ops: [], codes: [], openFile: place.openFile, refused: REFUSED.test(observation) };
  const firstLine = action.trimStart().split("\n", 1)[0] ?? "";
  const [tool = "", ...toolArgs] = firstLine.trim().split(/\s+/);
  const shown = FILE_HEADER.exec(observation)?.[1];
  const unquote = (s: string | undefined) => s?.replace(/^(['"])(.*)\1$/, "$2");
  const at = (p: string) => resolvePath(p, place.cwd, place.layout);
  const end = EDITOR_END[tool];
  if (end !== undefined) {
    const file = shown ? at(shown) : place.openFile;
    const lines = action.trimStart().split("\n").slice(1);
    const stop = lines.findIndex((l) => l.trim() === end);
    const body = (stop < 0 ? lines : lines.slice(0, stop)).join("\n");
    const evidence = excerpt(action);
    if (file) {
      out.ops.push({ kind: "write", path: file, how: tool, evidence, refused: out.refused });
      out.codes.push({ file, code: body, python: file.endsWith(".py"), evidence });
    }
    return out;
  }
  if (tool === "open" || tool === "create") {
    const named = unquote(toolArgs[0]);
    const file = shown ? at(shown) : named ? at(named) : undefined;
    if (file) out.openFile = file;
    if (tool === "create" && file)
      out.ops.push({ kind: "write", path: file, how: "create", evidence: excerpt(action) });
    return out;
  }
  shellOps(action, { ...place }, out);
  if (out.refused) {
    const refusals = observation.split("\n").filter((line) => REFUSED.test(line));
    for (const op of out.ops) {
      const base = posix.basename(op.path);
      op.refused = refusals.some((line) => line.includes(base));
    }
  }
  return out;
}
