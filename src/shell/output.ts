/** tqdm-style progress bars ("  45%|████      | 45/100 [00:01<00:02, ...]"), dropped like the original does. */
const PROGRESS_BAR = /(?:.*?:\s*)?(\d+%\|.*?\|.*\[.*?\])/;

/**
 * Cleans command output the way the original's observations look: CRLF becomes LF, and empty lines and
 * progress-bar lines are dropped (so an observation never has blank lines or a trailing newline).
 */
export function filterOutput(text: string): string {
  return text
    .replace(/\r\n/g, "\n")
    .split("\n")
    .filter((line) => line.length > 0 && !PROGRESS_BAR.test(line))
    .join("\n");
}

/** Decodes UTF-8, writing each invalid byte as `\xNN` (Python's backslashreplace), so binary output stays readable. */
export function decodeBackslashReplace(buf: Buffer): string {
  let out = "";
  let start = 0;
  let i = 0;
  const flush = (end: number) => {
    if (end > start) out += buf.toString("utf8", start, end);
  };
  while (i < buf.length) {
    const b = buf[i]!;
    let len = 0;
    if (b < 0x80) len = 1;
    else if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) len = 3;
    else if (b >= 0xf0 && b <= 0xf4) len = 4;
    let valid = len > 0 && i + len <= buf.length;
    for (let k = 1; valid && k < len; k++) if ((buf[i + k]! & 0xc0) !== 0x80) valid = false;
    if (valid && len === 3) {
      const b1 = buf[i + 1]!;
      if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0)) valid = false;
    }
    if (valid && len === 4) {
      const b1 = buf[i + 1]!;
      if ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90)) valid = false;
    }
    if (valid) {
      i += len;
      continue;
    }
    flush(i);
    out += `\\x${b.toString(16).padStart(2, "0")}`;
    i++;
    start = i;
  }
  flush(i);
  return out;
}

/** Keeps the head and the tail of an over-long text with a note of what was cut out of the middle. */
export function truncateMiddle(text: string, maxChars: number, omittedBefore = 0): string {
  if (text.length <= maxChars && omittedBefore === 0) return text;
  if (text.length <= maxChars) {
    return insertNote(text, Math.floor(text.length / 2), omittedBefore);
  }
  const half = Math.floor(maxChars / 2);
  const omitted = text.length - 2 * half + omittedBefore;
  return `${text.slice(0, half)}\n${note(omitted)}\n${text.slice(text.length - half)}`;
}

function insertNote(text: string, at: number, omitted: number): string {
  const cut = text.lastIndexOf("\n", at);
  const pos = cut > 0 ? cut : at;
  return `${text.slice(0, pos)}\n${note(omitted)}\n${text.slice(pos).replace(/^\n/, "")}`;
}

function note(omitted: number): string {
  return `[... output truncated: ${omitted} characters omitted ...]`;
}
