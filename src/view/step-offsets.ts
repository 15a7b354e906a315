import { closeSync, openSync, readSync } from "node:fs";
import { parsePythonJson } from "../python-json.js";

/** Where the parts of a `.traj` file lie, as byte offsets: each step of `trajectory`, and `info`. */
export interface StepOffsets {
  /** Start (inclusive) and end (exclusive) byte of each complete step object, in order. */
  starts: number[];
  ends: number[];
  /** Byte range of the top-level `info` object, when complete. */
  info?: [number, number];
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const CHUNK = 1 << 20;
/** Keys longer than this are not captured (only `trajectory` and `info` matter). */
const MAX_KEY = 32;
/** The scan's read buffer, reused (scans are synchronous, so never two at once). */
const shared = Buffer.allocUnsafe(CHUNK);

/**
 * Scans a trajectory file once, in 1 MB chunks, and finds the byte range of every step and of `info` without
 * parsing the document: a file of tens of MB costs one pass and a few numbers per step. Steps still being
 * written (a truncated file) are left out.
 */
export function scanStepOffsets(file: string, chunkSize = CHUNK, stopAfterSteps = false): StepOffsets {
  const out: StepOffsets = { starts: [], ends: [] };
  const fd = openSync(file, "r");
  const buffer = chunkSize === CHUNK ? shared : Buffer.allocUnsafe(chunkSize);
  let depth = 0;
  let inString = false;
  let key: number[] = [];
  let lastString = "";
  let currentKey = "";
  let section: "" | "trajectory" | "info" = "";
  let stepStart = -1;
  let infoStart = -1;
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
            if (depth === 1)
              for (let k = i; k < read && key.length < MAX_KEY; k++) key.push(chunk[k] as number);
            i = read;
            break;
          }
          let slashes = 0;
          while (quote - 1 - slashes >= i && chunk[quote - 1 - slashes] === BACKSLASH) slashes++;
          if (quote - slashes === i) slashes += carried;
          carried = 0;
          if (depth === 1)
            for (let k = i; k < quote && key.length < MAX_KEY; k++) key.push(chunk[k] as number);
          i = quote + 1;
          if (slashes % 2 === 1) {
            if (depth === 1 && key.length < MAX_KEY) key.push(QUOTE);
            continue;
          }
          inString = false;
          if (depth === 1) lastString = String.fromCharCode(...key);
          continue;
        }
        const byte = chunk[i] as number;
        if (byte === QUOTE) {
          inString = true;
          carried = 0;
          key = [];
        } else if (byte === COLON) {
          if (depth === 1) currentKey = lastString;
        } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
          if (depth === 1) {
            section = currentKey === "trajectory" && byte === OPEN_ARRAY ? "trajectory" : "";
            if (currentKey === "info" && byte === OPEN_OBJECT) {
              section = "info";
              infoStart = position + i;
            }
          } else if (depth === 2 && section === "trajectory" && byte === OPEN_OBJECT) {
            stepStart = position + i;
          }
          depth++;
        } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
          depth--;
          if (depth === 2 && section === "trajectory" && stepStart >= 0) {
            out.starts.push(stepStart);
            out.ends.push(position + i + 1);
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
