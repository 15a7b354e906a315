import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { episodeSpec } from "../../test/helpers/batch.js";
import { MemoryLedger } from "./ledger.js";
import { checkFolders, type EpisodeRunner, runLocalBatch } from "./local-pool.js";
import type { BatchEvent, BatchPlan, EpisodeOutcome, EpisodeSpec } from "./types.js";

// The pool's scheduling with a stand-in episode runner: caps, devices, retries, the budget and Ctrl-C.

const spec = (i: number, model = "m:a", gpusPerRun = 0) => episodeSpec(i, { model, gpusPerRun });

function plan(episodes: EpisodeSpec[], extra: Partial<BatchPlan> = {}): BatchPlan {
  return {
    id: "p",
    output: mkdtempSync(join(tmpdir(), "mlgym-pool-")),
    episodes,
    concurrency: 4,
    perModelConcurrency: {},
    gpus: [],
    retries: 2,
    retryDelayMs: 10,
    ...extra,
  };
}

/** A runner that records what runs at once, taking `ms` per episode; `outcome` decides each attempt's end. */
function recorder(
  ms: number,
  outcome: (s: EpisodeSpec, attempt: number) => EpisodeOutcome["status"] = () => "completed",
) {
  const running = new Set<string>();
  const seen: Array<{ running: string[]; devices: string[] | undefined }> = [];
  const attempts = new Map<string, number>();
  const runner: EpisodeRunner = async (s, ctx) => {
    const attempt = (attempts.get(s.key) ?? 0) + 1;
    attempts.set(s.key, attempt);
    running.add(s.key);
    seen.push({ running: [...running], devices: ctx.devices });
    await new Promise((r) => setTimeout(r, ms));
    running.delete(s.key);
    const status = ctx.signal?.aborted ? "interrupted" : outcome(s, attempt);
    return {
      key: s.key,
      folder: s.folder,
      status,
      ...(status === "infrastructure"
        ? { infrastructureError: { kind: "api_unreachable" as const, message: "down", step: 1 } }
        : {}),
    };
  };
  return { runner, seen, attempts };
}

test("at most `concurrency` at once, and a model's own cap", async () => {
  const episodes = [
    ...[0, 1, 2, 3, 4, 5].map((i) => spec(i, "m:a")),
    ...[6, 7, 8].map((i) => spec(i, "m:b")),
  ];
  const r = recorder(30);
  const result = await runLocalBatch(plan(episodes, { concurrency: 3, perModelConcurrency: { "m:a": 1 } }), {
    runner: r.runner,
  });
  assert.equal([...result.outcomes.values()].filter((o) => o.status === "completed").length, 9);
  for (const { running } of r.seen) {
    assert.ok(running.length <= 3);
    assert.ok(running.filter((k) => Number(k.slice(1)) <= 5).length <= 1, `two of m:a at once: ${running}`);
  }
  // The cap on m:a does not keep m:b waiting: m:b episodes ran beside m:a ones.
  assert.ok(r.seen.some(({ running }) => running.length >= 2));
});

test("devices: distinct ids per running episode; episodes wait for free ones", async () => {
  const episodes = [0, 1, 2, 3, 4].map((i) => spec(i, "m:a", 2));
  const r = recorder(20);
  await runLocalBatch(plan(episodes, { concurrency: 5, gpus: ["0", "1", "2", "3"] }), { runner: r.runner });
  assert.equal(r.seen.length, 5);
  for (const { running, devices } of r.seen) {
    assert.equal(devices?.length, 2);
    assert.ok(running.length <= 2, "4 devices, 2 per run: at most 2 at once");
  }
  const live = new Map<string, string[]>();
  // Replaying the record: each start's devices are distinct from those of the episodes running with it.
  for (const { running, devices } of r.seen) {
    for (const [key] of live) if (!running.includes(key)) live.delete(key);
    for (const other of live.values())
      for (const d of devices!) assert.ok(!other.includes(d), "a device shared");
    live.set(running.at(-1)!, devices!);
  }
});

test("infrastructure failures: retried with a doubling delay that holds no slot, then failed; the rest goes on", async () => {
  const events: BatchEvent[] = [];
  const r = recorder(5, (s) => (s.key === "k0" ? "infrastructure" : "completed"));
  const result = await runLocalBatch(
    plan(
      [0, 1, 2].map((i) => spec(i)),
      { concurrency: 1, retries: 2, retryDelayMs: 40 },
    ),
    {
      runner: r.runner,
      onEvent: (e) => events.push(e),
    },
  );
  assert.equal(r.attempts.get("k0"), 3);
  assert.equal(result.outcomes.get("k0")?.status, "infrastructure");
  assert.equal(result.outcomes.get("k0")?.attempts, 3);
  assert.deepEqual(
    events.filter((e) => e.kind === "retry").map((e) => (e.kind === "retry" ? [e.attempt, e.delayMs] : [])),
    [
      [2, 40],
      [3, 80],
    ],
  );
  assert.equal(events.filter((e) => e.kind === "failed").length, 1);
  // While k0 waited for its retry, the other episodes ran (concurrency 1: the wait held no slot).
  const order = events
    .filter((e) => e.kind === "started")
    .map((e) => (e.kind === "started" ? e.spec.key : ""));
  assert.deepEqual(order.slice(0, 3), ["k0", "k1", "k2"]);
});

test("a spent budget: running episodes finish, no new one starts", async () => {
  const ledger = new MemoryLedger(1);
  const runner: EpisodeRunner = async (s, ctx) => {
    // Each episode spends 0.4; the third call of the batch is refused.
    const r = await ctx.ledger!.reserve(0.4);
    if (r) await ctx.ledger!.settle(r, 0.4);
    return { key: s.key, folder: s.folder, status: "completed", exitStatus: r ? "submitted" : "exit_cost" };
  };
  const result = await runLocalBatch(
    plan(
      [0, 1, 2, 3, 4].map((i) => spec(i)),
      { concurrency: 1, budgetUsd: 1 },
    ),
    {
      runner,
      ledger,
    },
  );
  assert.equal(result.budgetExhausted, true);
  assert.equal(result.outcomes.size, 3, "the episode whose call was refused ends; none starts after it");
  assert.deepEqual(
    result.notStarted.map((s) => s.key),
    ["k3", "k4"],
  );
  assert.ok((await ledger.state()).spentUsd <= 1);
});

test("abort: running episodes end interrupted, the rest is not started", async () => {
  const stop = new AbortController();
  const r = recorder(200);
  const pending = runLocalBatch(
    plan(
      [0, 1, 2, 3].map((i) => spec(i)),
      { concurrency: 2 },
    ),
    {
      runner: r.runner,
      signal: stop.signal,
    },
  );
  setTimeout(() => stop.abort(), 50);
  const result = await pending;
  assert.equal(result.interrupted, true);
  assert.deepEqual(
    [...result.outcomes.values()].map((o) => o.status),
    ["interrupted", "interrupted"],
  );
  assert.equal(result.notStarted.length, 2);
});

test("a plan's folder holding another episode is refused before anything starts", () => {
  const p = plan([spec(0)]);
  mkdirSync(join(p.output, p.episodes[0]!.folder));
  writeFileSync(join(p.output, p.episodes[0]!.folder, "args.json"), JSON.stringify({ episode_key: "other" }));
  assert.throws(() => checkFolders(p), /hold other episodes/);
});
