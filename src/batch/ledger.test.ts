import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Redis } from "ioredis";
import { redisSkipReason, startRedis, type TestRedis } from "../../test/helpers/redis.js";
import { ConfigError } from "../errors.js";
import { ledgerKey, MemoryLedger, openLedger, RedisLedger } from "./ledger.js";
import type { Ledger, LedgerState } from "./types.js";

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

/** A deterministic stream of numbers in [0, 1). */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * Many callers at once, each reserving a random worst case and settling a random part of it, while a watcher reads
 * the state; returns what was granted and charged, and every state seen.
 */
async function hammer(ledgers: Ledger[], watcher: Ledger, callsEach: number) {
  const seen: LedgerState[] = [];
  let done = false;
  const watching = (async () => {
    while (!done) seen.push(await watcher.state());
  })();
  let granted = 0;
  let refused = 0;
  let charged = 0;
  await Promise.all(
    ledgers.flatMap((ledger, i) =>
      [0, 1, 2, 3].map(async (lane) => {
        const next = random(1 + i * 31 + lane);
        for (let call = 0; call < callsEach; call++) {
          const worst = 0.01 + next() * 0.09;
          const held = await ledger.reserve(worst);
          if (!held) {
            refused++;
            continue;
          }
          granted++;
          const actual = worst * next();
          charged += actual;
          await ledger.settle(held, actual);
        }
      }),
    ),
  );
  done = true;
  await watching;
  return { granted, refused, charged, seen };
}

/** The contract of `Ledger`, run against each implementation. */
function ledgerSuite(
  name: string,
  open: (limitUsd: number) => Promise<Ledger>,
  skip: string | false = false,
) {
  describe(`${name}: the Ledger contract`, { skip }, () => {
    it("grants what fits, refuses what does not and is then exhausted", async () => {
      const ledger = await open(1);
      try {
        assert.deepEqual(await ledger.state(), {
          limitUsd: 1,
          spentUsd: 0,
          reservedUsd: 0,
          exhausted: false,
        });
        const a = await ledger.reserve(0.6);
        assert.ok(a, "0.6 of 1 fits");
        assert.equal(a.usd, 0.6);
        assert.equal(await ledger.reserve(0.5), undefined, "0.6 reserved + 0.5 would cross 1");
        const refusedOnce = await ledger.state();
        assert.equal(refusedOnce.exhausted, true, "a refusal marks the ledger exhausted");
        assert.ok(close(refusedOnce.reservedUsd, 0.6), "a refused reservation holds nothing");
        const b = await ledger.reserve(0.4);
        assert.ok(b, "exactly what is left still fits");
        assert.notEqual(a.id, b.id);
        const full = await ledger.state();
        assert.ok(close(full.reservedUsd, 1) && close(full.spentUsd, 0));
        await ledger.settle(a, 0.25);
        await ledger.settle(b, 0.4);
        const after = await ledger.state();
        assert.ok(close(after.spentUsd, 0.65), `actual costs are charged: ${after.spentUsd}`);
        assert.ok(close(after.reservedUsd, 0), "settling releases the reservations");
        assert.ok(await ledger.reserve(0.35), "what the settled calls did not spend is free again");
        assert.equal(await ledger.reserve(1e-6), undefined);
      } finally {
        await ledger.close();
      }
    });

    it("settles a reservation once: a second settle charges and releases nothing", async () => {
      const ledger = await open(1);
      try {
        const a = (await ledger.reserve(0.5))!;
        const b = (await ledger.reserve(0.3))!;
        await ledger.settle(a, 0.2);
        await ledger.settle(a, 0.2);
        await ledger.settle({ ...a }, 0.45);
        const state = await ledger.state();
        assert.ok(close(state.spentUsd, 0.2), `charged once: ${state.spentUsd}`);
        assert.ok(close(state.reservedUsd, 0.3), `b is still held: ${state.reservedUsd}`);
        await ledger.settle(b, 0.3);
        assert.ok(close((await ledger.state()).reservedUsd, 0));
      } finally {
        await ledger.close();
      }
    });

    it("sums exactly: ten reservations of 0.1 fill a budget of 1, the eleventh is refused", async () => {
      const ledger = await open(1);
      try {
        const held = await Promise.all(Array.from({ length: 10 }, () => ledger.reserve(0.1)));
        assert.ok(held.every(Boolean), "no floating-point drift refuses the last one");
        assert.equal(await ledger.reserve(0.1), undefined);
        for (const h of held) await ledger.settle(h!, 0.1);
        const state = await ledger.state();
        assert.ok(close(state.spentUsd, 1) && state.spentUsd <= 1, `${state.spentUsd}`);
      } finally {
        await ledger.close();
      }
    });

    it("charges a call's actual cost even above its reservation (the ledger never under-counts)", async () => {
      const ledger = await open(1);
      try {
        const a = (await ledger.reserve(0.2))!;
        await ledger.settle(a, 0.9);
        assert.ok(close((await ledger.state()).spentUsd, 0.9));
        assert.equal(await ledger.reserve(0.2), undefined, "0.9 spent: 0.2 more does not fit");
      } finally {
        await ledger.close();
      }
    });

    it("rejects amounts that are not finite and non-negative", async () => {
      const ledger = await open(1);
      try {
        await assert.rejects(ledger.reserve(-0.1), RangeError);
        await assert.rejects(ledger.reserve(Number.NaN), RangeError);
        const a = (await ledger.reserve(0.1))!;
        await assert.rejects(ledger.settle(a, Number.POSITIVE_INFINITY), RangeError);
      } finally {
        await ledger.close();
      }
    });
  });
}

ledgerSuite("MemoryLedger", async (limitUsd) => new MemoryLedger(limitUsd));

describe("MemoryLedger", () => {
  it("keeps spent + reserved within the limit under many concurrent callers", async () => {
    const ledger = new MemoryLedger(2);
    const { granted, refused, charged, seen } = await hammer([ledger], ledger, 60);
    assert.ok(granted > 10 && refused > 0, `granted ${granted}, refused ${refused}`);
    for (const s of seen) assert.ok(s.spentUsd + s.reservedUsd <= 2 + 1e-12, JSON.stringify(s));
    const end = await ledger.state();
    assert.equal(end.reservedUsd, 0);
    assert.ok(Math.abs(end.spentUsd - charged) < 1e-6, `${end.spentUsd} vs ${charged}`);
    assert.ok(end.spentUsd <= 2);
    assert.equal(end.exhausted, true);
  });

  it("openLedger without a Redis URL is in memory; a bad budget is a ConfigError naming --budget", async () => {
    assert.ok((await openLedger(3, { batchId: "x" })) instanceof MemoryLedger);
    assert.throws(
      () => new MemoryLedger(-1),
      (e: unknown) => e instanceof ConfigError && e.field === "--budget",
    );
    assert.throws(() => new MemoryLedger(Number.NaN), ConfigError);
  });
});

const skipRedis = redisSkipReason();
let server: TestRedis | undefined;
let batches = 0;
const nextBatch = () => `test${process.pid}-${++batches}`;

ledgerSuite(
  "RedisLedger",
  async (limitUsd) => {
    server ??= await startRedis();
    return openLedger(limitUsd, { redisUrl: server.url, batchId: nextBatch() });
  },
  skipRedis,
);

describe("RedisLedger", { skip: skipRedis }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = server ??= await startRedis();
  });
  after(async () => {
    await server?.stop();
  });

  it("keeps spent + reserved within the limit for callers on several separate connections", async () => {
    const batchId = nextBatch();
    const coordinator = await RedisLedger.create(redis.url, batchId, 2);
    const workers = await Promise.all(
      Array.from({ length: 6 }, () => RedisLedger.attach(redis.url, batchId)),
    );
    try {
      const { granted, refused, charged, seen } = await hammer(
        workers.map((w) => w!),
        coordinator,
        25,
      );
      assert.ok(granted > 10 && refused > 0, `granted ${granted}, refused ${refused}`);
      assert.ok(seen.length > 5, "the watcher saw the ledger while it was busy");
      for (const s of seen) assert.ok(s.spentUsd + s.reservedUsd <= 2 + 1e-12, JSON.stringify(s));
      const end = await coordinator.state();
      assert.equal(end.reservedUsd, 0);
      assert.ok(Math.abs(end.spentUsd - charged) < 1e-6, `${end.spentUsd} vs ${charged}`);
      assert.equal(end.exhausted, true);
    } finally {
      await Promise.all([coordinator, ...workers].map((l) => l?.close()));
    }
  });

  it("fills the budget exactly when every call costs its worst case, whoever races for it", async () => {
    const batchId = nextBatch();
    const ledgers = [await RedisLedger.create(redis.url, batchId, 1)];
    for (let i = 0; i < 7; i++) ledgers.push((await RedisLedger.attach(redis.url, batchId))!);
    try {
      // 8 connections x 5 calls of 0.05 at once: exactly 20 fit.
      const results = await Promise.all(
        ledgers.flatMap((l) =>
          Array.from({ length: 5 }, async () => {
            const held = await l.reserve(0.05);
            if (held) await l.settle(held, 0.05);
            return held !== undefined;
          }),
        ),
      );
      assert.equal(results.filter(Boolean).length, 20);
      const end = await ledgers[0]!.state();
      assert.ok(close(end.spentUsd, 1) && end.spentUsd <= 1, `${end.spentUsd}`);
    } finally {
      await Promise.all(ledgers.map((l) => l.close()));
    }
  });

  it("stores the budget under the batch id; a restart keeps the spending and charges calls left in flight", async () => {
    const batchId = nextBatch();
    assert.equal(await RedisLedger.attach(redis.url, batchId), undefined, "no budget stored: no ledger");
    const first = await RedisLedger.create(redis.url, batchId, 1);
    const other = await RedisLedger.create(redis.url, nextBatch(), 5);
    const client = new Redis(redis.url);
    try {
      await first.settle((await first.reserve(0.2))!, 0.1);
      await first.reserve(0.3); // a call whose process dies before settling
      assert.equal(await first.reserve(0.9), undefined);
      assert.deepEqual(await other.state(), { limitUsd: 5, spentUsd: 0, reservedUsd: 0, exhausted: false });
      assert.equal(await client.hget(ledgerKey(batchId), "limit"), "1000000000", "kept in nano-dollars");

      const restarted = await RedisLedger.create(redis.url, batchId, 2);
      const state = await restarted.state();
      assert.equal(state.limitUsd, 2, "the new limit is taken");
      assert.ok(
        close(state.spentUsd, 0.4),
        `0.1 spent + the unsettled 0.3 at its worst case: ${state.spentUsd}`,
      );
      assert.equal(state.reservedUsd, 0);
      assert.equal(state.exhausted, false);
      await restarted.close();
    } finally {
      client.disconnect();
      await first.close();
      await other.close();
    }
  });

  it("names the URL when Redis cannot be reached, and rejects URLs that are not Redis URLs", async () => {
    // A port that was just free: nothing listens there.
    const dead = await startRedis();
    const url = dead.url;
    await dead.stop();
    await assert.rejects(openLedger(1, { redisUrl: url, batchId: "b" }), (e: unknown) => {
      assert.match((e as Error).message, new RegExp(`cannot reach Redis at ${url}`));
      return true;
    });
    await assert.rejects(
      openLedger(1, { redisUrl: "http://127.0.0.1:6379", batchId: "b" }),
      (e: unknown) => e instanceof ConfigError && /not a Redis URL/.test(e.message),
    );
  });
});
