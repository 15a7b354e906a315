import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocket } from "ws";
import { make } from "../src/env/make.js";
import { startServer } from "../src/serve/server.js";
import { FIXTURE_TASKS } from "../test/helpers/fixtures.js";
import { type BenchRow, printTable } from "./env.bench.js";

async function timeMany(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(20, n); i++) await fn();
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - started) / n;
}

/** A minimal OpenEnv client: one request, one reply. */
async function wsClient(base: string) {
  const socket = new WebSocket(`${base.replace(/^http/, "ws")}/ws`);
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  const request = (frame: unknown) =>
    new Promise<{ type: string; data: Record<string, unknown> }>((resolve) => {
      socket.once("message", (raw) => resolve(JSON.parse(raw.toString())));
      socket.send(JSON.stringify(frame));
    });
  return { request, close: () => socket.close() };
}

async function post(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}

/**
 * A step's round trip over the WebSocket and over the HTTP API, as ratios to an in-process `env.step("true")`, and
 * episodes per minute with 8 clients playing 5-step episodes at once (each ending with its autosubmission).
 */
export async function benchServe(steps = 300, seconds = 20): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const output = mkdtempSync(join(tmpdir(), "mlgym-bench-serve-"));
  const env = make("tinyCsv", { tasksDirs: [FIXTURE_TASKS], maxSteps: 10_000_000 });
  await env.reset();
  const inProcessMs = await timeMany(steps, () => env.step("true"));
  await env.close();
  rows.push({ name: 'in-process env.step("true")', value: `${inProcessMs.toFixed(3)} ms` });

  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    maxEnvs: 9,
    tasksDirs: [FIXTURE_TASKS],
    dataRoots: [],
    tasks: ["tinyCsv"],
    idleTimeoutS: 600,
    outputDir: output,
    defaultMaxSteps: 10_000_000,
  });
  try {
    const ws = await wsClient(server.url);
    await ws.request({ type: "reset", data: {} });
    const wsMs = await timeMany(steps, () => ws.request({ type: "step", data: { command: "true" } }));
    ws.close();
    rows.push({
      name: "WebSocket step round trip (/ws)",
      value: `${wsMs.toFixed(3)} ms (${(wsMs / inProcessMs).toFixed(2)}x in-process)`,
    });

    const { env_id: id } = await post(server.url, "/api/v1/envs", { task_id: "tinyCsv" });
    await post(server.url, `/api/v1/envs/${id}/reset`, {});
    const httpMs = await timeMany(steps, () =>
      post(server.url, `/api/v1/envs/${id}/step`, { action: "true" }),
    );
    await fetch(`${server.url}/api/v1/envs/${id}`, { method: "DELETE" });
    rows.push({
      name: "HTTP step round trip (/api/v1)",
      value: `${httpMs.toFixed(3)} ms (${(httpMs / inProcessMs).toFixed(2)}x in-process)`,
    });

    const clients = 8;
    let episodes = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        const c = await wsClient(server.url);
        while (performance.now() < deadline) {
          await c.request({ type: "reset", data: { max_steps: 5 } });
          for (;;) {
            const r = await c.request({ type: "step", data: { command: "echo step" } });
            if (r.type !== "observation" || r.data.done) break;
          }
          episodes++;
        }
        c.close();
      }),
    );
    const minutes = (performance.now() - started) / 60_000;
    rows.push({
      name: `episodes per minute, ${clients} WebSocket clients (tinyCsv, reset + 5 steps + autosubmission)`,
      value: `${(episodes / minutes).toFixed(0)} (${episodes} in ${(minutes * 60).toFixed(1)} s)`,
    });
  } finally {
    await server.close();
    rmSync(output, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1]?.endsWith(join("bench", "serve.bench.ts"))) {
  printTable("environment server", await benchServe());
}
