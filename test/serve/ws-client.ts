import { readdirSync, readFileSync } from "node:fs";
import { WebSocket } from "ws";
import { type MLGymServer, type ServeOptions, startServer } from "../../src/serve/server.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

/** Parsed JSON, checked field by field by the assertions. */
// biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked field by field by the assertions
export type Json = any;

/** A server frame. */
export interface Frame {
  type: string;
  data: Record<string, Json>;
}

/** A WebSocket client speaking OpenEnv's frames, as OpenEnv's own client does: one request, one reply. */
export class WsClient {
  private readonly queue: Frame[] = [];
  private waiters: Array<(f: Frame) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (raw) => {
      const frame = JSON.parse(raw.toString()) as Frame;
      const waiter = this.waiters.shift();
      if (waiter) waiter(frame);
      else this.queue.push(frame);
    });
    this.closed = new Promise((resolve) =>
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${url.replace(/^http/, "ws")}/ws`, { headers });
      const client = new WsClient(socket);
      socket.once("open", () => resolve(client));
      socket.once("error", reject);
      socket.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next frame from the server (fails after `timeoutMs`). */
  next(timeoutMs = 60_000): Promise<Frame> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no reply in time")), timeoutMs);
      this.waiters.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  request(frame: unknown, timeoutMs?: number): Promise<Frame> {
    this.send(frame);
    return this.next(timeoutMs);
  }

  reset(data: Record<string, unknown>): Promise<Frame> {
    return this.request({ type: "reset", data });
  }

  step(command: string, timeoutMs?: number): Promise<Frame> {
    return this.request({ type: "step", data: { command } }, timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}

/** Pids of processes whose command line contains `marker`. */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      if (cmdline.includes(marker)) pids.push(Number(name));
    } catch {
      // ended meanwhile
    }
  }
  return pids;
}

/** Polls `check` until it is true or `timeoutMs` passed. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** JSON over HTTP: status and parsed body. */
export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}

/**
 * A server on a free loopback port over the fixture tasks (tinyCsv and tinyPython unless `tasks` says otherwise),
 * writing into `outputDir`.
 */
export function serveFixtures(
  outputDir: string,
  options: Partial<ServeOptions> & { host?: string } = {},
): Promise<MLGymServer> {
  return startServer({
    host: "127.0.0.1",
    port: 0,
    maxEnvs: 4,
    tasksDirs: [FIXTURE_TASKS],
    dataRoots: [],
    tasks: ["tinyCsv", "tinyPython"],
    idleTimeoutS: 300,
    outputDir,
    ...options,
  });
}
