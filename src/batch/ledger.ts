import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { ConfigError } from "../errors.js";
import { writeJsonAtomic } from "../trajectory/files.js";
import type { Ledger, LedgerState, Reservation } from "./types.js";

/**
 * Amounts are kept as whole nano-dollars, so that sums are exact (in memory and in Redis alike) and no drift of
 * floating-point additions can let the total creep over the limit. Amounts are rounded up (never under-counted),
 * except float noise far below a nano-dollar; the limit is rounded down.
 */
const UNITS_PER_USD = 1e9;

function toUnits(usd: number, what: string): number {
  if (!Number.isFinite(usd) || usd < 0)
    throw new RangeError(`${what} must be a finite amount >= 0 USD, got ${usd}`);
  const exact = usd * UNITS_PER_USD;
  const nearest = Math.round(exact);
  const units = Math.abs(exact - nearest) < 1e-6 ? nearest : Math.ceil(exact);
  if (!Number.isSafeInteger(units)) throw new RangeError(`${what} is too large: ${usd} USD`);
  return units;
}

function limitUnits(limitUsd: number): number {
  if (!Number.isFinite(limitUsd) || limitUsd < 0)
    throw new ConfigError(`must be a finite amount >= 0 USD, got ${limitUsd}`, { field: "--budget" });
  const units = Math.floor(limitUsd * UNITS_PER_USD + 1e-6);
  if (!Number.isSafeInteger(units))
    throw new ConfigError(`is too large: ${limitUsd} USD (at most 9,000,000)`, { field: "--budget" });
  return units;
}

const toUsd = (units: number) => units / UNITS_PER_USD;

/**
 * The batch budget of a local pool: one process, so each method is atomic by construction. With a `file` (in the
 * output folder) the budget holds across starts of the batch, as the Redis ledger does: a restart begins with what
 * earlier starts spent (their reservations in flight when they died charged at the worst case), still spent when
 * the limit is the same, a fresh chance when it was raised.
 */
export class MemoryLedger implements Ledger {
  private readonly limit: number;
  private spent = 0;
  private reserved = 0;
  private exhausted = false;
  private readonly outstanding = new Map<string, number>();
  private next = 0;

  constructor(
    limitUsd: number,
    private readonly file?: string,
  ) {
    this.limit = limitUnits(limitUsd);
    if (file === undefined) return;
    let before: { limit?: unknown; spent?: unknown; reserved?: unknown; exhausted?: unknown } = {};
    try {
      before = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        throw new ConfigError(`cannot read the batch's ledger: ${(error as Error).message}`, { file });
    }
    const units = (v: unknown) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : 0);
    this.spent = units(before.spent) + units(before.reserved);
    this.exhausted = before.exhausted === true && before.limit === this.limit;
  }

  /** Written after every change (a few small writes per model call), before the caller goes on. */
  private save(): void {
    if (this.file === undefined) return;
    writeJsonAtomic(this.file, {
      limit: this.limit,
      spent: this.spent,
      reserved: this.reserved,
      exhausted: this.exhausted,
    });
  }

  async reserve(usd: number): Promise<Reservation | undefined> {
    const units = toUnits(usd, "a reservation");
    if (this.spent + this.reserved + units > this.limit) {
      this.exhausted = true;
      this.save();
      return undefined;
    }
    const id = `r${++this.next}`;
    this.reserved += units;
    this.outstanding.set(id, units);
    this.save();
    return { id, usd };
  }

  async settle(reservation: Reservation, actualUsd: number): Promise<void> {
    const actual = toUnits(actualUsd, "a settled cost");
    const units = this.outstanding.get(reservation.id);
    // Settled already (or never reserved here): charging again would count the call twice.
    if (units === undefined) return;
    this.outstanding.delete(reservation.id);
    this.reserved -= units;
    this.spent += actual;
    this.save();
  }

  async state(): Promise<LedgerState> {
    return {
      limitUsd: toUsd(this.limit),
      spentUsd: toUsd(this.spent),
      reservedUsd: toUsd(this.reserved),
      exhausted: this.exhausted,
    };
  }

  async close(): Promise<void> {}
}

/*
 * The Redis ledger is one hash per batch: `limit`, `spent`, `reserved` (nano-dollars), `exhausted` ("1" once a
 * reservation was refused) and one field `r:<id>` per outstanding reservation. One key, so the scripts touch a
 * single slot (Redis Cluster, managed Redis). Amounts travel as decimal strings: HINCRBY adds them exactly, and Lua
 * compares them as doubles, exact below 2^53.
 */

/** KEYS[1] ledger; ARGV: limit. Sets the limit, charges reservations left by dead processes at their worst case. */
const CREATE = `
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if string.sub(fields[i], 1, 2) == 'r:' then
    redis.call('HINCRBY', KEYS[1], 'spent', fields[i + 1])
    redis.call('HDEL', KEYS[1], fields[i])
  end
end
redis.call('HSETNX', KEYS[1], 'spent', '0')
redis.call('HSET', KEYS[1], 'limit', ARGV[1], 'reserved', '0', 'exhausted', '0')
return 1`;

/** KEYS[1] ledger; ARGV: reservation id, units. 1 when reserved, 0 when refused, an error when there is no ledger. */
const RESERVE = `
local v = redis.call('HMGET', KEYS[1], 'limit', 'spent', 'reserved')
if not v[1] then return redis.error_reply('NOLEDGER no budget is stored at ' .. KEYS[1]) end
if tonumber(v[2]) + tonumber(v[3]) + tonumber(ARGV[2]) > tonumber(v[1]) then
  redis.call('HSET', KEYS[1], 'exhausted', '1')
  return 0
end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[2])
redis.call('HSET', KEYS[1], 'r:' .. ARGV[1], ARGV[2])
return 1`;

/** KEYS[1] ledger; ARGV: reservation id, actual units. 1 when settled now, 0 when it was settled already. */
const SETTLE = `
local units = redis.call('HGET', KEYS[1], 'r:' .. ARGV[1])
if not units then return 0 end
redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1])
redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. units)
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
return 1`;

interface LedgerCommands {
  mlgymLedgerCreate(key: string, limit: string): Promise<number>;
  mlgymLedgerReserve(key: string, id: string, units: string): Promise<number>;
  mlgymLedgerSettle(key: string, id: string, units: string): Promise<number>;
}

/** The Redis key of a batch's ledger. */
export function ledgerKey(batchId: string): string {
  return `mlgym:batch:${batchId}:ledger`;
}

/** Checks a `redis://host:port[/db]` (or `rediss://` for TLS) URL; the ConfigError names `field`. */
function checkRedisUrl(url: string, field: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`'${url}' is not a URL; expected redis://host:port[/db] or rediss://...`, {
      field,
    });
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")
    throw new ConfigError(`'${url}' is not a Redis URL; expected redis://host:port[/db] or rediss://...`, {
      field,
    });
}

/** Opens a connection, or throws an error naming the URL when Redis cannot be reached. */
async function connect(url: string): Promise<Redis & LedgerCommands> {
  checkRedisUrl(url, "--queue");
  // Bounded retries: a command fails with a clear error instead of waiting forever for a Redis that is gone.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  // Connection errors also reach the commands that wait on them; without a listener ioredis prints each one.
  let lastError: Error | undefined;
  redis.on("error", (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${url}: ${(lastError ?? (error as Error)).message}`, {
      cause: error,
    });
  }
  redis.defineCommand("mlgymLedgerCreate", { numberOfKeys: 1, lua: CREATE });
  redis.defineCommand("mlgymLedgerReserve", { numberOfKeys: 1, lua: RESERVE });
  redis.defineCommand("mlgymLedgerSettle", { numberOfKeys: 1, lua: SETTLE });
  return redis as Redis & LedgerCommands;
}

/**
 * The batch budget of a distributed batch, in Redis: every process (coordinator, workers on any machine) that opens
 * the ledger of the same batch id shares it, and reserve/settle are Lua scripts, atomic on the server.
 */
export class RedisLedger implements Ledger {
  private constructor(
    private readonly redis: Redis & LedgerCommands,
    private readonly key: string,
  ) {}

  /**
   * Stores the budget of batch `batchId` (the coordinator's part). A ledger already there (a restarted batch) keeps
   * what it spent and takes the new limit; reservations left by processes that died mid-call are charged at their
   * worst case (their call may have been billed), and the exhausted flag is cleared.
   */
  static async create(url: string, batchId: string, limitUsd: number): Promise<RedisLedger> {
    const limit = limitUnits(limitUsd);
    const redis = await connect(url);
    const ledger = new RedisLedger(redis, ledgerKey(batchId));
    await redis.mlgymLedgerCreate(ledger.key, String(limit));
    return ledger;
  }

  /** The ledger of batch `batchId` as a worker sees it; undefined when the batch has no budget stored. */
  static async attach(url: string, batchId: string): Promise<RedisLedger | undefined> {
    const redis = await connect(url);
    const key = ledgerKey(batchId);
    if (!(await redis.hexists(key, "limit"))) {
      await redis.quit();
      return undefined;
    }
    return new RedisLedger(redis, key);
  }

  async reserve(usd: number): Promise<Reservation | undefined> {
    const units = toUnits(usd, "a reservation");
    const id = randomUUID();
    const granted = await this.redis.mlgymLedgerReserve(this.key, id, String(units));
    return granted === 1 ? { id, usd } : undefined;
  }

  async settle(reservation: Reservation, actualUsd: number): Promise<void> {
    const actual = toUnits(actualUsd, "a settled cost");
    await this.redis.mlgymLedgerSettle(this.key, reservation.id, String(actual));
  }

  async state(): Promise<LedgerState> {
    const [limit, spent, reserved, exhausted] = await this.redis.hmget(
      this.key,
      "limit",
      "spent",
      "reserved",
      "exhausted",
    );
    if (limit === null) throw new Error(`no batch budget is stored at ${this.key}`);
    return {
      limitUsd: toUsd(Number(limit)),
      spentUsd: toUsd(Number(spent ?? 0)),
      reservedUsd: toUsd(Number(reserved ?? 0)),
      exhausted: exhausted === "1",
    };
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}

/**
 * The ledger of a batch with a budget of `limitUsd`: in Redis when `redisUrl` is given (distributed batches; the
 * ledger is named by `batchId`), else in this process.
 */
export async function openLedger(
  limitUsd: number,
  options: { redisUrl?: string; batchId: string; file?: string },
): Promise<Ledger> {
  if (options.redisUrl === undefined) return new MemoryLedger(limitUsd, options.file);
  return RedisLedger.create(options.redisUrl, options.batchId, limitUsd);
}
