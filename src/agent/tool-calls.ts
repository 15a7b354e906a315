import type { ToolCall, ToolSpec } from "../models/model.js";
import { shellQuote } from "../shell/shell-session.js";
import type { CommandDef } from "../tools/command-file.js";
import type { Toolset } from "../tools/toolset.js";
import { FormatError } from "./parser.js";

/** The tool that runs any shell command; the documented commands are tools of their own. */
export const BASH_TOOL = "bash";

const JSON_TYPES: Record<string, string> = {
  integer: "integer",
  int: "integer",
  number: "number",
  boolean: "boolean",
};

/** Function-calling specs for the toolset's documented commands, plus `bash`. */
export function toolSpecs(toolset: Toolset): ToolSpec[] {
  const specs: ToolSpec[] = [
    {
      name: BASH_TOOL,
      description: "Runs one shell command in the persistent shell of the workspace and returns its output.",
      parameters: {
        type: "object",
        properties: { command: { type: "string", description: "the command line to run" } },
        required: ["command"],
      },
    },
  ];
  for (const c of toolset.commands) {
    if (!c.docstring) continue;
    const args = Object.entries(c.arguments ?? {});
    specs.push({
      name: c.name,
      description: c.docstring,
      parameters: {
        type: "object",
        properties: Object.fromEntries(
          args.map(([name, a]) => [
            name,
            { type: JSON_TYPES[a.type] ?? "string", description: a.description },
          ]),
        ),
        required: args.filter(([, a]) => a.required).map(([name]) => name),
      },
    });
  }
  return specs;
}

/**
 * The shell action a function call stands for: `bash` runs its command; a documented command is written out from
 * its signature (`edit <start_line>:<end_line>` + text + `end_of_edit`), single-line arguments shell-quoted.
 */
export function actionFromToolCall(call: ToolCall, toolset: Toolset): string {
  if (call.name === BASH_TOOL) {
    const command = call.arguments.command;
    if (typeof command !== "string" || !command.trim())
      throw new FormatError("The bash tool needs a non-empty `command`.");
    return command;
  }
  const def = toolset.commands.find((c) => c.name === call.name);
  if (!def) throw new FormatError(`Unknown tool '${call.name}'.`);
  return fillSignature(def, call.arguments);
}

function fillSignature(def: CommandDef, values: Record<string, unknown>): string {
  const signature = (def.signature ?? def.name).replace(/[[\]]/g, "");
  const missing = Object.entries(def.arguments ?? {}).filter(
    ([name, a]) => a.required && values[name] === undefined,
  );
  if (missing.length > 0)
    throw new FormatError(`Tool '${def.name}' needs: ${missing.map(([n]) => n).join(", ")}.`);
  const multiLine = def.endName !== undefined;
  const filled = signature.replace(/"?<([A-Za-z_]+)>"?/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) return "";
    const text = String(value);
    if (multiLine || typeof value !== "string") return text.replace(/\n$/, "");
    return shellQuote(text);
  });
  return filled
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trim();
}
