import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { loadTaskSpec } from "../../src/config/load-task.js";
import { ensurePythonRuntime } from "../../src/runtime/python-runtime.js";
import { readFetchConfig } from "../../src/tasks/data-fetch.js";
import { runPrepareScript } from "../../src/tasks/prepare.js";
import { taskYaml } from "./catalogue.js";

const TASK = "languageModelingFineWeb";
const HEADER_BYTES = 256 * 4;

/** The header fields and the tokens of a shard, read as the format defines them. */
function readShard(path: string): { magic: number; version: number; count: number; tokens: Uint16Array } {
  const bytes = readFileSync(path);
  const header = new Int32Array(bytes.buffer, bytes.byteOffset, 256);
  const body = bytes.subarray(HEADER_BYTES);
  const tokens = new Uint16Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return { magic: header[0]!, version: header[1]!, count: header[2]!, tokens };
}

describe("languageModelingFineWeb data", { timeout: 600_000 }, () => {
  const spec = loadTaskSpec(taskYaml(TASK));
  const dataDir = join(dirname(spec.file), "data", "fineweb10B");

  test("prepare.py writes shards in the FineWeb format: header, uint16 tokens, the original's file names", async () => {
    runPrepareScript(spec, (await ensurePythonRuntime()).binDir);
    for (const name of ["fineweb_train_000001.bin", "fineweb_val_000000.bin"]) {
      const shard = readShard(join(dataDir, name));
      assert.equal(shard.magic, 20240520, name);
      assert.equal(shard.version, 1, name);
      assert.equal(shard.tokens.length, shard.count, `${name}: the header's count is the number of tokens`);
      assert.ok(shard.count > 60_000, `${name}: ${shard.count} tokens`);
      assert.ok(
        shard.tokens.every((t) => t < 1024),
        "ids of the small BPE, below 1024",
      );
      assert.ok(new Set(shard.tokens).size > 100, "many distinct tokens: real BPE output");
    }
  });

  test("the full scale's fetch.yaml lists the original's shards, and convert.py lays out and checks them", async () => {
    const fetch = readFetchConfig(spec.file);
    assert.ok(fetch, "fetch.yaml exists");
    const files = fetch.config.sources.map((s) => s.file);
    assert.ok(files.includes("fineweb_val_000000.bin") && files.includes("fineweb_train_000001.bin"));
    for (const s of fetch.config.sources) assert.equal(s.bytes, HEADER_BYTES + 2 * 100_000_000);

    const python = join((await ensurePythonRuntime()).binDir, "python");
    const work = mkdtempSync(join(tmpdir(), "mlgym-lm-convert-"));
    try {
      const raw = join(work, "raw");
      mkdirSync(raw);
      for (const name of ["fineweb_train_000001.bin", "fineweb_val_000000.bin"])
        copyFileSync(join(dataDir, name), join(raw, name));
      const convert = join(dirname(spec.file), fetch.config.convert!);
      const ok = spawnSync(python, [convert, raw, join(work, "out")], { encoding: "utf8" });
      assert.equal(ok.status, 0, ok.stderr);
      const placed = join(work, "out", "fineweb10B", "fineweb_val_000000.bin");
      assert.equal(statSync(placed).size, statSync(join(raw, "fineweb_val_000000.bin")).size);

      // A truncated shard (its header promises more tokens) is refused.
      const bytes = readFileSync(join(raw, "fineweb_val_000000.bin"));
      writeFileSync(join(raw, "fineweb_val_000000.bin"), bytes.subarray(0, bytes.length - 10));
      const bad = spawnSync(python, [convert, raw, join(work, "out2")], { encoding: "utf8" });
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /its header says/);
      assert.ok(!existsSync(join(work, "out2", "fineweb10B", "fineweb_val_000000.bin")));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
