import { existsSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { z } from "zod";
import { parseWithSchema, readYamlFile } from "../config/yaml-file.js";
import { ConfigError } from "../errors.js";
import { projectRoot } from "../runtime/paths.js";
import { ALIAS_NAME, ORIGINAL_SHELL_ALIASES } from "../tools/install-script.js";
import type { ToolsetOptions } from "../tools/toolset.js";
import { historyProcessor } from "./history.js";
import { outputParsers } from "./parser.js";

const toolsSchema = z
  .object({
    command_files: z.array(z.string()).default([]),
    env_variables: z.record(z.string(), z.union([z.string(), z.number()])).default({}),
    util_functions: z.array(z.string()).default([]),
    /**
     * Aliases defined in the agent's shell, name -> replacement (default: the original's `ls -F` and kin, which its
     * recorded trajectories show); `{}` for none.
     */
    shell_aliases: z.record(z.string(), z.string()).default({ ...ORIGINAL_SHELL_ALIASES }),
    submit_command: z.string().default("submit"),
    /** How command docs are rendered: one line each, or detailed blocks. */
    parser: z.enum(["ParseCommandBash", "ParseCommandDetailed"]).default("ParseCommandDetailed"),
    state_command: z.object({ name: z.string(), code: z.string() }).strict().optional(),
    blocklist_error_template: z
      .string()
      .default("Interactive operation '{name}' is not supported by this environment."),
    blocklist: z
      .array(z.string())
      .default(["vim", "vi", "emacs", "nano", "less", "more", "top", "htop", "man", "watch"]),
    blocklist_standalone: z
      .array(z.string())
      .default(["python", "python3", "ipython", "bash", "sh", "exit", "/bin/bash", "/bin/sh", "su", "node"]),
  })
  .strict();

/** Agent YAML: the original's agent config fields, plus the action format and limits. */
export const agentConfigSchema = z
  .object({
    system_template: z.string(),
    task_template: z.string(),
    next_step_template: z.string().optional(),
    next_step_no_output_template: z.string().optional(),
    strategy_template: z.string().nullish(),
    demonstration_template: z.string().nullish(),
    /** Trajectory files shown to the model as examples (relative to the agent YAML). */
    demonstrations: z.array(z.string()).default([]),
    put_demos_in_history: z.boolean().default(false),
    format_error_template: z.string().nullish(),
    tools: toolsSchema.default(toolsSchema.parse({})),
    output_parser: z.string().default("MLGymThoughtActionParser"),
    history_processor: z.string().default("Last5Observations"),
    history_processor_args: z.record(z.string(), z.unknown()).default({}),
    /** `fenced`: one fenced command block per answer; `tool_calls`: native function calling. */
    action_format: z.enum(["fenced", "tool_calls"]).default("fenced"),
    /** Most tokens per answer; also bounds the worst-case cost checked before each call. */
    max_output_tokens: z.number().int().positive().optional(),
    /** Re-queries allowed per step for badly formatted or blocked answers. */
    max_requeries: z.number().int().nonnegative().default(2),
  })
  .strict();
export type AgentConfig = z.infer<typeof agentConfigSchema> & { file: string; stem: string };

export function defaultAgentConfigFile(): string {
  return `${projectRoot()}/agents/default.yaml`;
}

/** Loads and validates an agent YAML; unknown parsers, history processors or placeholders are ConfigErrors. */
export function loadAgentConfig(file = defaultAgentConfigFile()): AgentConfig {
  const parsed = parseWithSchema(agentConfigSchema, readYamlFile(file), file);
  if (!outputParsers[parsed.output_parser]) {
    throw new ConfigError(`unknown output parser; available: ${Object.keys(outputParsers).join(", ")}`, {
      file,
      field: "output_parser",
    });
  }
  try {
    if (!historyProcessor(parsed.history_processor, parsed.history_processor_args)) {
      throw new ConfigError(
        "unknown history processor; available: DefaultHistoryProcessor, LastNObservations (args: n), Last<N>Observations",
        { file, field: "history_processor" },
      );
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError((error as Error).message, { file, field: "history_processor_args" });
  }
  for (const name of Object.keys(parsed.tools.shell_aliases)) {
    if (!ALIAS_NAME.test(name))
      throw new ConfigError(
        `'${name}' is not an alias name; allowed: a letter or _, then letters, digits, _ . -`,
        { file, field: "tools.shell_aliases" },
      );
  }
  if (parsed.demonstrations.length > 0 && !parsed.demonstration_template && !parsed.put_demos_in_history) {
    throw new ConfigError("demonstrations need a demonstration_template (or put_demos_in_history: true)", {
      file,
      field: "demonstration_template",
    });
  }
  return { ...parsed, file, stem: basename(file).replace(/\.ya?ml$/, "") };
}

/**
 * The toolset an agent config asks for: its command files (relative to the YAML's folder or its parents, as
 * the original's repo-root paths), env variables and state command; the project's tools when it names none.
 */
export function toolsetOptions(config: AgentConfig): ToolsetOptions {
  const options: ToolsetOptions = {
    envVariables: Object.fromEntries(
      Object.entries(config.tools.env_variables).map(([k, v]) => [k, String(v)]),
    ),
    aliases: config.tools.shell_aliases,
  };
  if (config.tools.command_files.length > 0) {
    options.commandFiles = config.tools.command_files.map((path, i) =>
      findCommandFile(path, config.file, `tools.command_files.${i}`),
    );
  }
  if (config.tools.state_command) options.stateCommand = config.tools.state_command;
  return options;
}

/** How many parent folders of the agent YAML command files are looked up in (the original's are repo-root paths). */
const PARENT_LEVELS = 3;

/**
 * A command file named by an agent YAML: absolute, else in the YAML's folder or one of its parents. Agent configs
 * are the user's own choice of tools, unlike task YAMLs, whose paths are confined to the task's folder.
 */
function findCommandFile(path: string, yamlFile: string, field: string): string {
  if (isAbsolute(path)) {
    if (existsSync(path)) return path;
    throw new ConfigError(`path '${path}' does not exist`, { file: yamlFile, field });
  }
  const tried: string[] = [];
  let dir = dirname(resolve(yamlFile));
  for (let level = 0; level <= PARENT_LEVELS; level++) {
    const candidate = join(dir, path);
    if (existsSync(candidate)) return candidate;
    tried.push(candidate);
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new ConfigError(`path '${path}' not found (looked in: ${tried.join(", ")})`, {
    file: yamlFile,
    field,
  });
}
