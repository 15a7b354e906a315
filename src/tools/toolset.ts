import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { ConfigError } from "../errors.js";
import { projectRoot } from "../runtime/paths.js";
import { type CommandDef, parseCommandFile } from "./command-file.js";
import { type DocStyle, renderDocs } from "./docs.js";
import { buildInstallScript, type ToolFile } from "./install-script.js";
import { defaultStateCommand, type StateCommand } from "./state-command.js";

/** The command files of the benchmark's default agent, in prompt order (names inside the project's `tools/`). */
export const defaultCommandFiles: readonly string[] = [
  "defaults.sh",
  "search.sh",
  "edit_linting.sh",
  "insert_linting.sh",
  "_editing.sh",
  "_split_string.py",
  "submit.sh",
  "validate.sh",
];

/** The shell variables the default tools start from (the benchmark agent's `env_variables`). */
export const defaultEnvVariables: Readonly<Record<string, string>> = {
  WINDOW: "1000",
  OVERLAP: "2",
  CURRENT_LINE: "0",
  CURRENT_FILE: "",
  SEARCH_RESULTS: "()",
  SEARCH_FILES: "()",
  SEARCH_INDEX: "0",
};

export interface ToolsetOptions {
  /** Host paths of command files in the original format (default: the project's `tools/` files). */
  commandFiles?: string[];
  /** Shell variables, merged over the defaults; also substituted into docstrings as `{NAME}`. */
  envVariables?: Record<string, string>;
  /** The per-step state command (default: `state`, printing the open file and working directory as JSON). */
  stateCommand?: StateCommand;
  /** Shell aliases defined in the agent's shell (default: none; agent configs default to the original's). */
  aliases?: Record<string, string>;
}

/** The agent's commands: their definitions, prompt docs and the script that installs them in a shell. */
export interface Toolset {
  /** Public commands (documented or not), in file order. */
  commands: CommandDef[];
  /** Helpers whose names start with `_`. */
  utilities: CommandDef[];
  /** The command files; the environment makes each visible as `<toolsDir>/<name>`. */
  files: ToolFile[];
  envVariables: Record<string, string>;
  stateCommand: StateCommand;
  /** Command name -> the line that ends its text (`edit` -> `end_of_edit`). */
  multilineEndings: Record<string, string>;
  /** The `{command_docs}` text of the system prompt. */
  docs(style: DocStyle): string;
  /** Bash that, run once in a fresh shell, makes every command usable; `toolsDir` is where the files are inside. */
  installScript(toolsDir: string): string;
}

/** The project's `tools/` folder. */
export function defaultToolsDir(): string {
  return join(projectRoot(), "tools");
}

/** Parses the command files and assembles the toolset; malformed files are ConfigErrors naming the file. */
export function loadToolset(options: ToolsetOptions = {}): Toolset {
  const paths = options.commandFiles ?? defaultCommandFiles.map((name) => join(defaultToolsDir(), name));
  const files: ToolFile[] = [];
  const defs: CommandDef[] = [];
  const seen = new Map<string, string>();
  for (const path of paths) {
    let content: string;
    try {
      content = readFileSync(path, "utf8");
    } catch (cause) {
      throw new ConfigError(`cannot read command file: ${(cause as Error).message}`, { file: path, cause });
    }
    const name = basename(path);
    if (files.some((f) => f.name === name))
      throw new ConfigError(`two command files are named '${name}'; names must be unique`, { file: path });
    const parsed = parseCommandFile(path, content);
    for (const def of parsed) {
      const other = seen.get(def.name);
      if (other)
        throw new ConfigError(`command '${def.name}' is already defined in ${other}`, { file: path });
      seen.set(def.name, path);
    }
    defs.push(...parsed);
    const first = parsed[0];
    const kind = first?.kind === "script" ? "script" : first?.kind === "utility" ? "utility" : "source";
    const file: ToolFile = { path, name, kind };
    if (kind === "script") {
      file.commandName = first!.name;
      file.shebang = content.slice(2, content.indexOf("\n") < 0 ? undefined : content.indexOf("\n")).trim();
    }
    files.push(file);
  }
  const envVariables = { ...defaultEnvVariables, ...options.envVariables };
  for (const name of Object.keys(envVariables)) {
    if (!/^[A-Za-z_]\w*$/.test(name))
      throw new ConfigError(`env variable '${name}' is not a valid shell variable name`, {
        field: "env_variables",
      });
  }
  const stateCommand = options.stateCommand ?? defaultStateCommand;
  const commands = defs.filter((d) => !d.name.startsWith("_"));
  const multilineEndings: Record<string, string> = {};
  for (const c of commands) if (c.endName) multilineEndings[c.name] = c.endName;
  return {
    commands,
    utilities: defs.filter((d) => d.name.startsWith("_")),
    files,
    envVariables,
    stateCommand,
    multilineEndings,
    docs: (style) => renderDocs(commands, style, envVariables),
    installScript: (toolsDir) =>
      buildInstallScript({ toolsDir, files, envVariables, stateCommand, aliases: options.aliases ?? {} }),
  };
}
