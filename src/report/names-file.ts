import { z } from "zod";
import { parseWithSchema, readYamlFile } from "../config/yaml-file.js";
import { ConfigError } from "../errors.js";
import { type DisplayNames, displayNamesFrom, type NameEntry } from "./display-names.js";

// A names file (`mlgym report --names`); apart from display-names.ts so that a report without one loads no YAML or
// schema library.
const HEX = /^#[0-9a-fA-F]{6}$/;
const colourField = z.string().regex(HEX, { message: 'expected a colour as "#rrggbb"' });
const entrySchema = z
  .object({
    name: z.string().min(1, { message: "expected a display name" }).optional(),
    colour: colourField.optional(),
    color: colourField.optional(),
  })
  .strict();
const objectEntries = z.record(z.string(), entrySchema);

/**
 * The display names of a report: the built-in table of the paper's models, overridden by `file` (YAML or JSON)
 * whose entries are `model-id: Name` or `model-id: {name: Name, colour: "#rrggbb"}`.
 */
export function loadDisplayNames(file?: string): DisplayNames {
  if (file === undefined) return displayNamesFrom();
  const data = readYamlFile(file);
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ConfigError('expected a map from model id to a name or {name, colour: "#rrggbb"}', { file });
  }
  const user = new Map<string, NameEntry>();
  for (const [id, value] of Object.entries(data)) {
    if (typeof value === "string" && value !== "") {
      user.set(id, { name: value });
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ConfigError('expected a display name or {name, colour: "#rrggbb"}', { file, field: id });
    }
    const entry = parseWithSchema(objectEntries, { [id]: value }, file)[id] ?? {};
    const colour = entry.colour ?? entry.color;
    user.set(id, { ...(entry.name ? { name: entry.name } : {}), ...(colour ? { colour } : {}) });
  }
  return displayNamesFrom(user);
}
