import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mlgymAsync } from "../helpers/cli.js";

export interface Json {
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked field by field by the assertions
  [key: string]: any;
}

/** The records of a JSON Lines file. */
export function lines(file: string): Json[] {
  const text = readFileSync(file, "utf8");
  return text === ""
    ? []
    : text
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l) as Json);
}

/** `mlgym export` into a fresh folder (atif) or file (the JSONL formats); fails the test unless it exits 0. */
export async function exportTo(root: string, format: string, ...flags: string[]) {
  const out = mkdtempSync(join(tmpdir(), "mlgym-export-"));
  const target = format === "atif" ? out : join(out, `${format}.jsonl`);
  const r = await mlgymAsync(["export", root, "--format", format, "--out", target, ...flags]);
  assert.equal(r.code, 0, r.stderr);
  return { target, stderr: r.stderr };
}
