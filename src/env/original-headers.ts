import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The copyright docstring the original's public repository put at the top of its task files. The published runs
 * were recorded before it was there (their `open` shows 26 lines where the file now has 29, and line-numbered edits
 * target those lines), so a replay on the original's folders must see the files without it.
 */
const HEADER = '"""\nCopyright (c) Meta Platforms, Inc. and affiliates.\n"""\n';

/** The text without the header (and the blank line after it, where there is one); other text as it is. */
export function withoutOriginalHeader(text: string): string {
  if (!text.startsWith(HEADER)) return text;
  const rest = text.slice(HEADER.length);
  return rest.startsWith("\n") ? rest.slice(1) : rest;
}

/** Strips the header from every `.py` file under `path` (a file or a folder), in place; returns how many changed. */
export function stripOriginalHeaders(path: string): number {
  const stat = statSync(path);
  if (stat.isDirectory())
    return readdirSync(path).reduce((n, name) => n + stripOriginalHeaders(join(path, name)), 0);
  if (!stat.isFile() || !path.endsWith(".py")) return 0;
  const text = readFileSync(path, "utf8");
  const stripped = withoutOriginalHeader(text);
  if (stripped === text) return 0;
  writeFileSync(path, stripped);
  return 1;
}
