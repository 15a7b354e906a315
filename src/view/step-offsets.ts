import { closeSync, openSync, readSync } from "node:fs";
import { parsePythonJson } from "../python-json.js";

/** Where the parts of a `.traj` file lie, as byte offsets: each step of `trajectory`, and `info`. */
export interface StepOffsets {
  /** Start (inclusive) and end (exclusive) byte of each complete step object, in order. */
  starts: number[];
  ends: number[];
  /**
   * What a step list needs of each step, recorded by the same pass: the start of its `action` text, decoded (at most
   * {@link ACTION_HEAD} bytes of the file; undefined when the step has no string action) ...
   */
  actionHeads: Array<string | undefined>;
  /** ... whether that text was cut (the action is longer, or its head could not be decoded) ... */
  actionCut: boolean[];
  /** ... and the number of objects in its `requeries` list, or -1 when the step has no such list. */
  requeries: number[];
  /** Byte range of the top-level `info` object, when complete. */
  info?: [number, number];
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const LOWER_U = 117;
const CHUNK = 1 << 20;
/** Keys longer than this are not captured (only the four of {@link KEYS} matter). */
const MAX_KEY = 32;
/** The keys the scan looks for, as bytes; a key is known by its index here (-1: any other). */
const KEYS = ["trajectory", "info", "action", "requeries"].map((k) => Buffer.from(k, "latin1"));
const [TRAJECTORY, INFO, ACTION, REQUERIES] = [0, 1, 2, 3];
/** Bytes of each step's action kept by the scan: enough for the first line a step list shows. */
export const ACTION_HEAD = 256;
/** The scan's read buffer and the buffer of captured strings, reused (scans are synchronous, never two at once). */
const shared = Buffer.allocUnsafe(CHUNK);
const captured = Buffer.allocUnsafe(ACTION_HEAD);

/**
 * Scans a trajectory file once, in 1 MB chunks, and finds the byte range of every step and of `info` without
 * parsing the document: a file of tens of MB costs one pass and a few numbers per step. On the way it keeps the
 * head of each step's `action` and counts its `requeries`, so a step list needs no further reading. Steps still
 * being written (a truncated file) are left out. `stopAfterSteps` (the run list's quick look) ends the scan with the
 * `trajectory` list and skips those heads and counts (undefined and -1).
 */
export function scanStepOffsets(file: string, chunkSize = CHUNK, stopAfterSteps = false): StepOffsets {
  const details = !stopAfterSteps;
  const out: StepOffsets = { starts: [], ends: [], actionHeads: [], actionCut: [], requeries: [] };
  const fd = openSync(file, "r");
  const buffer = chunkSize === CHUNK ? shared : Buffer.allocUnsafe(chunkSize);
  let depth = 0;
  let inString = false;
  /** Whether the current string is kept in `captured` (raw bytes, escapes kept; up to `limit`), and how much. */
  let capturing = false;
  let length = 0;
  let limit = MAX_KEY;
  let cut = false;
  let lastString = -1;
  let currentKey = -1;
  let section: "" | "trajectory" | "info" = "";
  let stepStart = -1;
  let infoStart = -1;
  // Inside a step (its keys and values lie at depth 3): the key whose value comes next, and what is kept of it.
  let stepKey = -1;
  let valuePending = false;
  let isAction = false;
  let inRequeries = false;
  let action: string | undefined;
  let actionCut = false;
  let requeries = -1;
  let position = 0;
  /** Backslashes that ended the previous chunk inside a string (they may escape this chunk's first quote). */
  let carried = 0;
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, chunkSize, position);
      if (read === 0) break;
      const chunk = read === chunkSize ? buffer : buffer.subarray(0, read);
      let i = 0;
      while (i < read) {
        if (inString) {
          // Long strings (observations) are skipped natively: find the next quote not escaped by a backslash.
          const quote = chunk.indexOf(QUOTE, i);
          if (quote < 0) {
            let run = 0;
            while (run < read - i && chunk[read - 1 - run] === BACKSLASH) run++;
            carried = run === read - i ? carried + run : run;
            if (capturing) {
              const n = Math.min(read - i, limit - length);
              length = keep(chunk, i, n, length);
              if (n < read - i) cut = true;
            }
            i = read;
            break;
          }
          let slashes = 0;
          while (quote - 1 - slashes >= i && chunk[quote - 1 - slashes] === BACKSLASH) slashes++;
          if (quote - slashes === i) slashes += carried;
          carried = 0;
          if (capturing) {
            const n = Math.min(quote + 1 - i, limit - length);
            length = keep(chunk, i, n, length);
            if (n < quote + 1 - i) cut = true;
          }
          i = quote + 1;
          if (slashes % 2 === 1) continue;
          inString = false;
          if (isAction) {
            // The closing quote was captured too, unless the string was cut before it.
            action = decodeHead(captured, cut ? length : length - 1, cut);
            actionCut = cut || action === undefined;
            action ??= "";
            isAction = false;
          } else if (capturing) lastString = cut ? -1 : keyOf(captured, length - 1);
          continue;
        }
        const byte = chunk[i] as number;
        if (byte === QUOTE) {
          inString = true;
          carried = 0;
          const inStep = details && depth === 3 && section === "trajectory";
          // Keys at depth 1 and of steps, and a step's action.
          isAction = inStep && valuePending && stepKey === ACTION;
          capturing = depth === 1 || (inStep && (!valuePending || isAction));
          if (inStep) valuePending = false;
          limit = isAction ? ACTION_HEAD : MAX_KEY;
          length = 0;
          cut = false;
        } else if (byte === COLON) {
          if (depth === 1) currentKey = lastString;
          else if (depth === 3 && section === "trajectory") {
            stepKey = lastString;
            valuePending = true;
          }
        } else if (byte === COMMA) {
          if (depth === 3) valuePending = false;
        } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
          if (depth === 1) {
            section = currentKey === TRAJECTORY && byte === OPEN_ARRAY ? "trajectory" : "";
            if (currentKey === INFO && byte === OPEN_OBJECT) {
              section = "info";
              infoStart = position + i;
            }
          } else if (section === "trajectory") {
            if (depth === 2 && byte === OPEN_OBJECT) {
              stepStart = position + i;
              valuePending = false;
              action = undefined;
              actionCut = false;
              requeries = -1;
            } else if (depth === 3 && valuePending) {
              valuePending = false;
              if (stepKey === REQUERIES && byte === OPEN_ARRAY) {
                inRequeries = true;
                requeries = 0;
              }
            } else if (depth === 4 && inRequeries && byte === OPEN_OBJECT) requeries++;
          }
          depth++;
        } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
          depth--;
          if (depth === 3) inRequeries = false;
          else if (depth === 2 && section === "trajectory" && stepStart >= 0) {
            out.starts.push(stepStart);
            out.ends.push(position + i + 1);
            out.actionHeads.push(action);
            out.actionCut.push(actionCut);
            out.requeries.push(requeries);
            stepStart = -1;
          } else if (depth === 1 && section === "info" && infoStart >= 0) {
            out.info = [infoStart, position + i + 1];
            infoStart = -1;
          }
          if (depth === 1) {
            if (stopAfterSteps && section === "trajectory") return out;
            section = "";
          }
        }
        i++;
      }
      position += read;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Appends `n` bytes of `from` at `start` to `captured` after its first `length`; the new length. */
function keep(from: Buffer, start: number, n: number, length: number): number {
  if (n > 16) from.copy(captured, length, start, start + n);
  else for (let k = 0; k < n; k++) captured[length + k] = from[start + k] as number;
  return length + n;
}

/** The index in {@link KEYS} of the first `length` bytes of `bytes`, or -1. */
function keyOf(bytes: Buffer, length: number): number {
  search: for (let k = 0; k < KEYS.length; k++) {
    const key = KEYS[k] as Buffer;
    if (key.length !== length) continue;
    for (let i = 0; i < length; i++) if (key[i] !== bytes[i]) continue search;
    return k;
  }
  return -1;
}

/**
 * Decodes the raw text (escapes kept, no quotes) of the start of a JSON string. A cut head loses its incomplete
 * last escape sequence or UTF-8 character first. Undefined when the text does not decode.
 */
function decodeHead(raw: Buffer, length: number, cut: boolean): string | undefined {
  let end = length;
  if (cut) {
    // Walk the escapes from the start: one that does not fit ends the usable text.
    let i = 0;
    while (i < end) {
      const size = raw[i] !== BACKSLASH ? 1 : raw[i + 1] === LOWER_U ? 6 : 2;
      if (i + size > end) break;
      i += size;
    }
    end = i;
    // A multi-byte character whose last bytes are missing is dropped.
    let lead = end - 1;
    while (lead > 0 && end - lead < 4 && ((raw[lead] as number) & 0xc0) === 0x80) lead--;
    const first = raw[lead] ?? 0;
    const size = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
    if (lead + size > end) end = lead;
  }
  try {
    const value: unknown = JSON.parse(`"${raw.toString("utf8", 0, end)}"`);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

const INFO_KEY = /"info"\s*:\s*\{/g;

/**
 * The top-level `info` object read from the end of the file alone (it is the last key in ours and the original's
 * files): the last `"info": {` whose text up to the document's closing brace parses as an object. Undefined when
 * the tail holds none (the caller then scans the file).
 */
export function readInfoFromTail(
  file: string,
  size: number,
  tailBytes = 1 << 16,
): Record<string, unknown> | undefined {
  const start = Math.max(0, size - tailBytes);
  const tail = readRange(file, start, size).trimEnd();
  if (!tail.endsWith("}")) return undefined;
  const body = tail.slice(0, -1);
  const starts = [...body.matchAll(INFO_KEY)].map((m) => (m.index ?? 0) + m[0].length - 1).reverse();
  for (const at of starts) {
    try {
      const value = parsePythonJson(body.slice(at));
      if (typeof value === "object" && value !== null && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {}
  }
  return undefined;
}

/** Reads bytes `[start, end)` of a file as UTF-8 text. */
export function readRange(file: string, start: number, end: number): string {
  return readBytes(file, start, end).toString("utf8");
}

/** Reads bytes `[start, end)` of a file (fewer when the file is shorter). */
export function readBytes(file: string, start: number, end: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < buffer.length) {
      const read = readSync(fd, buffer, done, buffer.length - done, start + done);
      if (read === 0) break;
      done += read;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}
