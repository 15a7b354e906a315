import type { StateCommand } from "./state-command.js";

/** A command file as the install script uses it. */
export interface ToolFile {
  /** Host path. */
  path: string;
  /** File name; inside the sandbox the file is `<toolsDir>/<name>`. */
  name: string;
  /** `source`: bash functions, sourced; `script`: run through its shebang; `utility`: only made available. */
  kind: "source" | "script" | "utility";
  /** For scripts: the command name (file name without extension). */
  commandName?: string;
  /** For scripts: the interpreter line without `#!` (e.g. `/usr/bin/env python3`). */
  shebang?: string;
}

export interface InstallScriptInput {
  toolsDir: string;
  files: ToolFile[];
  envVariables: Record<string, string>;
  stateCommand: StateCommand;
  /** Shell aliases (name -> replacement text), defined with alias expansion on. */
  aliases?: Record<string, string>;
}

/**
 * The aliases the original's benchmark shell had (its `dockerfiles/aliases.sh`, sourced with alias expansion on):
 * they show in every recorded `ls` (`data/`, `run.sh*`), so agents and replays see the same output here.
 */
export const ORIGINAL_SHELL_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  ll: "ls -alF",
  la: "ls -A",
  l: "ls -CF",
  ls: "ls -F",
});

/** A valid bash alias name: no quoting, `=`, `/` or `$` (bash refuses those, or they would change its meaning). */
export const ALIAS_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Where the install script puts the launchers of script commands (inside the agent's home, writable). */
export const launcherDir = "$HOME/.mlgym/bin";

/** Single-quotes a string for bash. */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A shell assignment; `(...)` values are bash arrays, like the original's `SEARCH_RESULTS=()`. */
function assignment(name: string, value: string): string {
  return /^\(.*\)$/s.test(value) ? `${name}=${value}` : `${name}=${quote(value)}`;
}

function prependToPath(dirExpr: string): string {
  return `case ":$PATH:" in *:${dirExpr}:*) ;; *) PATH=${dirExpr}:"$PATH" ;; esac`;
}

/**
 * Bash that installs the tools into the current shell in one go: sources the function files, writes a launcher
 * per script command (read-only mounts cannot be chmod-ed or renamed), extends PATH, sets the variables and
 * defines the state command. Exits non-zero when a file cannot be sourced. Starts at most two processes.
 */
export function buildInstallScript(input: InstallScriptInput): string {
  const dir = input.toolsDir.replace(/\/+$/, "");
  const lines = ["__mlgym_failed=", prependToPath(quote(dir))];
  for (const file of input.files.filter((f) => f.kind === "source")) {
    const path = quote(`${dir}/${file.name}`);
    const hint = `Failed to source ${dir}/${file.name}. If you meant to make a script, start the file with a shebang (#!).`;
    lines.push(`source ${path} || { echo ${quote(hint)}; __mlgym_failed=1; }`);
  }
  const scripts = input.files.filter((f) => f.kind === "script");
  if (scripts.length > 0) {
    lines.push(`mkdir -p "${launcherDir}" || __mlgym_failed=1`);
    for (const file of scripts) {
      const target = `${launcherDir}/${file.commandName}`;
      const exec = `exec ${file.shebang} ${quote(`${dir}/${file.name}`)} "$@"`;
      lines.push(`printf '%s\\n' '#!/bin/sh' ${quote(exec)} >"${target}" || __mlgym_failed=1`);
    }
    lines.push(
      `chmod +x ${scripts.map((f) => `"${launcherDir}/${f.commandName}"`).join(" ")} || __mlgym_failed=1`,
    );
    lines.push(prependToPath(`"${launcherDir}"`));
  }
  for (const [name, value] of Object.entries(input.envVariables)) lines.push(assignment(name, value));
  const aliases = Object.entries(input.aliases ?? {});
  if (aliases.length > 0) {
    // A non-interactive bash expands aliases only with this option.
    lines.push("shopt -s expand_aliases");
    lines.push(`alias ${aliases.map(([name, value]) => `${name}=${quote(value)}`).join(" ")}`);
  }
  lines.push(input.stateCommand.code);
  lines.push('[ -z "$__mlgym_failed" ] && unset __mlgym_failed');
  return `${lines.join("\n")}\n`;
}
