import { readFileSync } from "node:fs";
import { basename, extname } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../errors.js";

/** One documented argument of a command. */
export interface CommandArgument {
  type: string;
  description: string;
  required: boolean;
  default?: unknown;
}

/** A command (or helper) defined by a command file, with the docs its `# @yaml` block gives. */
export interface CommandDef {
  name: string;
  docstring?: string;
  /** How the command is called; may span lines (multi-line commands show their body and end marker). */
  signature?: string;
  /** The line that ends a multi-line command's text (`end_of_edit`). */
  endName?: string;
  arguments?: Record<string, CommandArgument>;
  /** Host path of the file that defines it. */
  file: string;
  /** `function`: a bash function of a sourced `.sh` file; `script`: an executable with a shebang; `utility`: a helper file that is only made available. */
  kind: "function" | "script" | "utility";
}

const FUNCTION_START = /^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)\s*\{\s*$/;

/** Reads a command file in the original MLGym format and returns what it defines. */
export function parseCommandFile(file: string, content: string = readFileSync(file, "utf8")): CommandDef[] {
  const name = basename(file);
  if (content.startsWith("#!")) return [parseScript(file, content)];
  if (name.endsWith(".sh")) return parseFunctionFile(file, content);
  if (name.startsWith("_")) return [{ name: stem(name), file, kind: "utility" }];
  throw new ConfigError(
    "a command file must be a script starting with a shebang (#!), a .sh file of bash functions, or a helper whose name starts with '_'",
    { file },
  );
}

function stem(name: string): string {
  return extname(name) ? name.slice(0, -extname(name).length) : name;
}

function parseScript(file: string, content: string): CommandDef {
  const name = stem(basename(file));
  const lines = content.split("\n");
  const blocks: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "# @yaml") continue;
    const block: string[] = [];
    for (i++; i < lines.length && lines[i]?.startsWith("#"); i++) block.push(lines[i]!.replace(/^# ?/, ""));
    blocks.push(block);
  }
  if (blocks.length > 1)
    throw new ConfigError(`has ${blocks.length} '# @yaml' blocks; a script needs one`, { file });
  const def: CommandDef = { name, file, kind: "script" };
  if (blocks.length === 0) {
    if (name.startsWith("_")) return def;
    throw new ConfigError(
      "has no '# @yaml' doc block; a script command needs one (only '_' helpers may omit it)",
      {
        file,
      },
    );
  }
  const docs = readDocs(blocks[0]!, file, name);
  if (docs.docstring === undefined && !name.startsWith("_"))
    throw new ConfigError(`the '# @yaml' block of '${name}' has no docstring`, { file });
  return { ...def, ...docs };
}

function parseFunctionFile(file: string, content: string): CommandDef[] {
  const defs: CommandDef[] = [];
  const lines = content.split("\n");
  let doc: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const start = FUNCTION_START.exec(line);
    if (start) {
      const name = start[1]!;
      defs.push({ name, file, kind: "function", ...docsFromComments(doc, file, name) });
      doc = [];
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== "}") i++;
      i++;
      continue;
    }
    if (line.startsWith("# ") || line === "#") doc.push(line.slice(2));
    else if (line.trim() !== "") doc = [];
  }
  return defs;
}

/** The `# @yaml` block right above a function; plain comments (no `@yaml` line) document nothing. */
function docsFromComments(doc: string[], file: string, name: string): Partial<CommandDef> {
  const at = doc.map((l) => l.trim()).lastIndexOf("@yaml");
  if (at < 0) return {};
  return readDocs(doc.slice(at + 1), file, name);
}

function readDocs(lines: string[], file: string, name: string): Partial<CommandDef> {
  let data: unknown;
  try {
    data = parseYaml(lines.join("\n"));
  } catch (cause) {
    throw new ConfigError(`the doc block of '${name}' is not valid YAML: ${(cause as Error).message}`, {
      file,
      cause,
    });
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data))
    throw new ConfigError(`the doc block of '${name}' must be a YAML mapping`, { file });
  const doc = data as Record<string, unknown>;
  const known = new Set(["docstring", "signature", "end_name", "arguments"]);
  for (const key of Object.keys(doc)) {
    if (!known.has(key))
      throw new ConfigError(
        `unknown key '${key}' in the doc block of '${name}'; allowed: ${[...known].join(", ")}`,
        {
          file,
        },
      );
  }
  const out: Partial<CommandDef> = {};
  for (const key of ["docstring", "signature", "end_name"] as const) {
    const value = doc[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string")
      throw new ConfigError(`'${key}' of '${name}' must be a string`, { file, field: key });
    if (key === "end_name") out.endName = value;
    else out[key] = value;
  }
  if (doc.arguments !== undefined && doc.arguments !== null) {
    out.arguments = readArguments(doc.arguments, file, name);
  }
  if (out.signature === undefined) out.signature = synthesizeSignature(name, out.arguments);
  return out;
}

function readArguments(value: unknown, file: string, name: string): Record<string, CommandArgument> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(
      `'arguments' of '${name}' must map argument names to {type, description, required}`,
      {
        file,
      },
    );
  const args: Record<string, CommandArgument> = {};
  for (const [arg, raw] of Object.entries(value as Record<string, unknown>)) {
    const field = `arguments.${arg}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      throw new ConfigError(`argument '${arg}' of '${name}' must be a mapping`, { file, field });
    const spec = raw as Record<string, unknown>;
    if (typeof spec.type !== "string")
      throw new ConfigError(`argument '${arg}' of '${name}' needs a string 'type'`, { file, field });
    if (typeof spec.description !== "string")
      throw new ConfigError(`argument '${arg}' of '${name}' needs a string 'description'`, { file, field });
    if (typeof spec.required !== "boolean")
      throw new ConfigError(`argument '${arg}' of '${name}' needs 'required: true' or 'required: false'`, {
        file,
        field,
      });
    const parsed: CommandArgument = {
      type: spec.type,
      description: spec.description,
      required: spec.required,
    };
    if ("default" in spec) parsed.default = spec.default;
    args[arg] = parsed;
  }
  return args;
}

/** `name <required> [<optional>]`, the signature of a command documented only by its arguments. */
export function synthesizeSignature(name: string, args?: Record<string, CommandArgument>): string {
  const parts = Object.entries(args ?? {}).map(([arg, spec]) => (spec.required ? `<${arg}>` : `[<${arg}>]`));
  return [name, ...parts].join(" ");
}
