import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { episodeSpec } from "../../test/helpers/batch.js";
import { MemoryLedger } from "./ledger.js";
import { type EpisodeRunner, lockOutput, runLocalBatch } from "./local-pool.js";
import type { BatchPlan } from "./types.js";

// Faults around the pool rather than in the episodes: a disk that refuses the batch's record, a crashed start's
// ledger, a second batch on the same output.

const spec = (i: number) => episodeSpec(i);

function plan(n: number): BatchPlan {
  return {
    id: "p",
    output: mkdtempSync(join(tmpdir(), "mlgym-review-pool-")),
    episodes: Array.from({ length: n }, (_, i) => spec(i)),
    concurrency: 1,
    perModelConcurrency: {},
    gpus: [],
    retries: 0,
    retryDelayMs: 10,
  };
}

test("a batch record the disk refuses is warned about; the episodes still run and are reported", async () => {
  const p = plan(3);
  const manifest = join(p.output, ".mlgym-batch", "p.json");
  const warnings: string[] = [];
  const runner: EpisodeRunner = async (s) => {
    // The record cannot be replaced any more (a folder where its file was: every rename onto it fails).
    if (!existsSync(join(manifest, "x"))) {
      rmSync(manifest, { force: true });
      mkdirSync(join(manifest, "x"), { recursive: true });
    }
    return { key: s.key, folder: s.folder, status: "completed", exitStatus: "submitted", bestScore: 1 };
  };
  const result = await runLocalBatch(p, { runner, warn: (line) => warnings.push(line) });
  assert.deepEqual(
    [...result.outcomes.values()].map((o) => o.status),
    ["completed", "completed", "completed"],
  );
  assert.ok(
    warnings.some((w) => /state could not be written/.test(w)),
    warnings.join("\n"),
  );
});

test("a ledger kept in a file starts from what earlier starts spent, reservations in flight charged in full", async () => {
  const file = join(mkdtempSync(join(tmpdir(), "mlgym-review-ledger-")), "l.json");
  const first = new MemoryLedger(1, file);
  const a = await first.reserve(0.3);
  assert.ok(a);
  await first.settle(a, 0.1);
  // Killed with this call in flight: its worst case may have been billed.
  assert.ok(await first.reserve(0.25));

  const second = new MemoryLedger(1, file);
  assert.deepEqual(await second.state(), { limitUsd: 1, spentUsd: 0.35, reservedUsd: 0, exhausted: false });
  assert.equal(await second.reserve(0.7), undefined, "0.35 + 0.7 would cross the limit");
  assert.ok(await second.reserve(0.6));
  // Spent with the same limit stays spent; a raised limit is a fresh chance.
  assert.equal((await new MemoryLedger(1, file).state()).exhausted, true);
  const raised = new MemoryLedger(2, file);
  assert.equal((await raised.state()).exhausted, false);
  assert.equal((await raised.state()).spentUsd, 0.95);
});

test("one local batch per output: a second start is refused naming the first; released at the end", async () => {
  const p = plan(1);
  const release = lockOutput(p.output);
  await assert.rejects(
    runLocalBatch(p, { runner: async () => assert.fail("must not run") }),
    (error: Error) => {
      assert.match(error.message, new RegExp(`in use by another mlgym batch \\(pid ${process.pid} `));
      return true;
    },
  );
  release();
  const result = await runLocalBatch(p, {
    runner: async (s) => ({ key: s.key, folder: s.folder, status: "completed" }),
  });
  assert.equal(result.outcomes.get("k0")?.status, "completed");
  assert.equal(existsSync(join(p.output, ".mlgym-batch", "lock")), false);
});
