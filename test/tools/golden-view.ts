/** Lines `first..last` of a generated file, as `_print` numbers them. */
export function numbered(first: number, last: number, text: (n: number) => string): string[] {
  const out: string[] = [];
  for (let n = first; n <= last; n++) out.push(`${n}:${text(n)}`);
  return out;
}

/** The text of an editor window, spelled out from its parts (the golden form of `_print`). */
export function windowView(
  path: string,
  total: number,
  lines: string[],
  counts: { above?: number; below?: number } = {},
): string {
  const out = [`[File: ${path} (${total} lines total)]`];
  if (counts.above) out.push(`(${counts.above} more lines above)`);
  out.push(...lines);
  if (counts.below) out.push(`(${counts.below} more lines below)`);
  return out.join("\n");
}

/** `n` lines `x1`..`xn` with a trailing newline (short lines, so 2,500 of them stay under 20,000 characters). */
export function numberedFile(n: number): string {
  return `${Array.from({ length: n }, (_, i) => `x${i + 1}`).join("\n")}\n`;
}

/** A 1x1 PNG, for the image check of `open`. */
export const tinyPng = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
