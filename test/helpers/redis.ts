import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A real `redis-server` for tests: on 127.0.0.1, a free port, no persistence, in a throw-away folder.
 *
 * ```ts
 * const skip = redisSkipReason();
 * describe("queue", { skip }, () => {
 *   let redis: TestRedis;
 *   before(async () => { redis = await startRedis(); });
 *   after(() => redis.stop());
 *   test("...", async () => { ... new Redis(redis.url) ... });
 * });
 * ```
 * Without `redis-server` the suite is skipped with the reason printed (a skipped suite never reads as passed);
 * with MLGYM_REQUIRE_REDIS=1 or CI=true its absence is an error instead.
 */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

let probed: string | false | undefined;

/** Why Redis tests cannot run here (`redis-server` missing), or false when they can. */
export function redisSkipReason(): string | false {
  if (probed !== undefined) return probed;
  const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (found.error === undefined && found.status === 0) {
    probed = false;
    return probed;
  }
  const reason = `redis-server is not installed (${found.error?.message ?? found.stderr.trim()}); run 'bash scripts/setup.sh' as root or 'apt-get install redis-server'`;
  if (process.env.MLGYM_REQUIRE_REDIS === "1" || process.env.CI === "true")
    throw new Error(`redis-server is required (MLGYM_REQUIRE_REDIS=1 or CI): ${reason}`);
  process.stderr.write(`SKIPPED Redis tests: ${reason}\n`);
  probed = reason;
  return probed;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port was assigned");
  return address.port;
}

/** Resolves once a TCP connection to the port succeeds, or rejects after `timeoutMs`. */
async function waitForPort(
  port: number,
  child: ChildProcess,
  log: () => string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1");
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server did not listen on ${port} in ${timeoutMs} ms: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Starts a fresh `redis-server` (call `redisSkipReason()` first to skip where it is not installed). */
export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-redis-"));
  // A port taken between the probe and the start makes the server exit: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"];
    const child = spawn("redis-server", [...args, "--dir", dir, "--protected-mode", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await waitForPort(port, child, () => output);
    } catch (error) {
      child.kill("SIGKILL");
      await exited;
      if (attempt < 3 && /Address already in use/.test(output)) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    let stopped = false;
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      async stop() {
        if (stopped) return;
        stopped = true;
        if (child.exitCode === null) {
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
