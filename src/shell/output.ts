/**
 * Whether a line is a tqdm-style progress bar ("  45%|████      | 45/100 [00:01<00:02, ...]"): a segment (between
 * `\r`, U+2028 or U+2029) holding digits + "%|", then a "|", then "[" and a later "]". It decides exactly what the
 * original's regex `(?:.*?:\s*)?(\d+%\|.*?\|.*\[.*?\])` decides, but in one left-to-right pass: the regex
 * backtracks quadratically on a long line, which would freeze the process on a single 3 MB line of output.
 */
export function isProgressBar(line: string): boolean {
  // 0: looking for digits + "%|"; 1: for the next "|"; 2: for "["; 3: for "]".
  let state = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x0d || c === 0x2028 || c === 0x2029) {
      state = 0; // `.` in the regex stops at these, so each segment is tested on its own
    } else if (state === 0) {
      if (c === 0x25 && isDigit(line.charCodeAt(i - 1)) && line.charCodeAt(i + 1) === 0x7c) {
        state = 1;
        i++;
      }
    } else if (c === (state === 1 ? 0x7c : state === 2 ? 0x5b : 0x5d)) {
      if (state === 3) return true;
      state++;
    }
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * Cleans command output the way the original's observations look: CRLF becomes LF, and empty lines and
 * progress-bar lines are dropped (so an observation never has blank lines or a trailing newline). Linear in the
 * length of the text.
 */
export function filterOutput(text: string): string {
  const kept: string[] = [];
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    // A "\r" only goes with the "\n" after it (the original replaced "\r\n" pairs).
    const lineEnd = newline >= 0 && end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    if (lineEnd > start) {
      const line = text.slice(start, lineEnd);
      if (!isProgressBar(line)) kept.push(line);
    }
    if (newline < 0) break;
    start = newline + 1;
  }
  return kept.join("\n");
}

const HEX = Buffer.from("0123456789abcdef");

/** Decodes UTF-8, writing each invalid byte as `\xNN` (Python's backslashreplace), so binary output stays readable. */
export function decodeBackslashReplace(buf: Buffer): string {
  const plain = buf.toString("utf8");
  if (!plain.includes("\uFFFD")) return plain; // valid UTF-8 (a U+FFFD in it takes the careful path below)
  // Valid sequences are copied as they are and each invalid byte becomes four ASCII bytes: the result is valid
  // UTF-8, decoded once (linear, no string built piece by piece).
  const out = Buffer.allocUnsafe(buf.length * 4);
  let o = 0;
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const len = sequenceLength(buf, i);
    if (len > 0) {
      for (let k = 0; k < len; k++) out[o++] = buf[i + k]!;
      i += len;
      continue;
    }
    out[o++] = 0x5c; // backslash
    out[o++] = 0x78; // x
    out[o++] = HEX[b >> 4]!;
    out[o++] = HEX[b & 0x0f]!;
    i++;
  }
  return out.toString("utf8", 0, o);
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceLength(buf: Buffer, i: number): number {
  const b = buf[i]!;
  let len = 0;
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) len = 2;
  else if (b >= 0xe0 && b <= 0xef) len = 3;
  else if (b >= 0xf0 && b <= 0xf4) len = 4;
  if (len === 0 || i + len > buf.length) return 0;
  for (let k = 1; k < len; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return 0;
  const b1 = buf[i + 1]!;
  if (len === 3 && ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0))) return 0;
  if (len === 4 && ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90))) return 0;
  return len;
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
