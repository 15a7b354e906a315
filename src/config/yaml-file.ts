import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.js";

/** Reads a text file; an I/O problem becomes a ConfigError naming the file. */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (cause) {
    throw new ConfigError(`cannot read file (${(cause as NodeJS.ErrnoException).code ?? cause})`, {
      file,
      cause,
    });
  }
}

/** Reads and parses a YAML file; any I/O or syntax problem becomes a ConfigError naming the file. */
export function readYamlFile(file: string): unknown {
  const text = readConfigText(file);
  try {
    return parse(text);
  } catch (cause) {
    throw new ConfigError(yamlErrorMessage(cause), { file, cause });
  }
}

/** "invalid YAML at line L, column C: what is wrong", from the yaml library's error. */
function yamlErrorMessage(cause: unknown): string {
  const error = cause as Error & { linePos?: Array<{ line: number; col: number }> };
  const first = error.message.split("\n")[0] ?? "";
  const at = error.linePos?.[0];
  if (!at) return `invalid YAML: ${first}`;
  const reason = first.replace(/ at line \d+, column \d+:?$/, "");
  return `invalid YAML at line ${at.line}, column ${at.col}: ${reason}`;
}

/** Validates `data` with a zod schema; the first problem becomes a ConfigError naming the file and field. */
export function parseWithSchema<T extends z.ZodType>(schema: T, data: unknown, file: string): z.infer<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ConfigError("invalid configuration", { file });
  const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
  throw new ConfigError(describeIssue(issue), { file, field });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown field(s) ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    case "invalid_value":
      return `got an invalid value; allowed: ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "invalid_type":
      return issue.message.includes("received undefined")
        ? `required field is missing (expected ${issue.expected})`
        : `expected ${issue.expected}: ${issue.message}`;
    default:
      return issue.message;
  }
}
