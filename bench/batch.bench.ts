import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runLocalBatch } from "../src/batch/local-pool.js";
import { buildPlan } from "../src/batch/plan.js";
import type { BatchPlan } from "../src/batch/types.js";
import { make } from "../src/env/make.js";
import { FIXTURE_TASKS } from "../test/helpers/fixtures.js";
import { redisSkipReason, startRedis } from "../test/helpers/redis.js";
import type { BenchRow } from "./env.bench.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const EPISODES = 8;

/** A scripted agent on the tiny CSV task: the baseline, one look around, submit. */
function scriptFile(dir: string): string {
  const fenced = (cmd: string) => `DISCUSSION\nnext\n\`\`\`\n${cmd}\n\`\`\``;
  const file = join(dir, "agent.json");
  writeFileSync(file, JSON.stringify([fenced("python3 baseline.py"), fenced("ls"), fenced("submit")]));
  return file;
}

function planFor(dir: string, concurrency: number, sandbox: string): BatchPlan {
  return buildPlan(
    {
      tasks: ["tinyCsv"],
      models: [`scripted:${scriptFile(dir)}`],
      runs: EPISODES,
      concurrency,
      sandbox,
      tasks_dirs: [FIXTURE_TASKS],
      output: join(dir, `runs-${concurrency}-${Math.random().toString(36).slice(2)}`),
    },
    { output: join(dir, "runs") },
  );
}

const perMinute = (ms: number) => ((EPISODES / ms) * 60_000).toFixed(1);

/** Starts `mlgym worker` processes on a queue; resolves once each says it is waiting for work. */
function startWorkers(url: string, count: number) {
  const workers = Array.from({ length: count }, () =>
    spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src", "cli", "entry.ts"), "worker", "--queue", url],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    ),
  );
  const ready = Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          let out = "";
          w.stdout!.on("data", (d: Buffer) => {
            out += d.toString();
            if (/takes episodes from/.test(out)) resolve();
          });
          w.on("close", (code) => reject(new Error(`a worker exited (${code}) before it was ready: ${out}`)));
        }),
    ),
  );
  return {
    ready,
    stop: async () => {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              w.on("close", () => resolve());
              w.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}

/**
 * Episodes per minute of a trivial scripted batch at concurrency 1, 2 and 4 (here, and through Redis with 2 workers),
 * and the per-episode overhead (sandbox start, reset and close) as a multiple of one trivial step.
 */
export async function benchBatch(sandbox = "local"): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), "mlgym-bench-batch-"));
  try {
    for (const k of [1, 2, 4]) {
      const plan = planFor(dir, k, sandbox);
      const started = performance.now();
      const result = await runLocalBatch(plan);
      const ms = performance.now() - started;
      const done = [...result.outcomes.values()].filter((o) => o.status === "completed").length;
      rows.push({
        name: `episodes/min, ${EPISODES} trivial episodes, concurrency ${k} (local pool, ${sandbox})`,
        value: `${perMinute(ms)} (${done}/${EPISODES} completed)`,
      });
    }
    const skip = redisSkipReason();
    if (skip) {
      rows.push({ name: "episodes/min, distributed (2 workers)", value: `not measured: ${skip}` });
    } else {
      const redis = await startRedis();
      const workers = startWorkers(redis.url, 2);
      try {
        const { runQueuedBatch } = await import("../src/batch/queue.js");
        await workers.ready;
        const plan = planFor(dir, 1, sandbox);
        const started = performance.now();
        const result = await runQueuedBatch(plan, redis.url, {});
        const ms = performance.now() - started;
        const done = [...result.outcomes.values()].filter((o) => o.status === "completed").length;
        rows.push({
          name: `episodes/min, ${EPISODES} trivial episodes, 2 workers x concurrency 1 (Redis, ${sandbox})`,
          value: `${perMinute(ms)} (${done}/${EPISODES} completed)`,
        });
      } finally {
        await workers.stop();
        await redis.stop();
      }
    }
    // What each episode costs beyond its steps: a sandbox started, reset (baseline, workspace) and closed.
    const env = make("tinyCsv", { tasksDirs: [FIXTURE_TASKS], sandbox, maxSteps: 1_000_000 });
    await env.reset();
    for (let i = 0; i < 20; i++) await env.step("true");
    let started = performance.now();
    for (let i = 0; i < 200; i++) await env.step("true");
    const stepMs = (performance.now() - started) / 200;
    await env.close();
    started = performance.now();
    for (let i = 0; i < 5; i++) {
      const e = make("tinyCsv", { tasksDirs: [FIXTURE_TASKS], sandbox });
      await e.reset();
      await e.close();
    }
    const episodeMs = (performance.now() - started) / 5;
    rows.push({
      name: `per-episode overhead (sandbox start + reset + close, ${sandbox})`,
      value: `${episodeMs.toFixed(0)} ms = ${(episodeMs / stepMs).toFixed(0)} trivial steps of ${stepMs.toFixed(2)} ms`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1]?.endsWith(join("bench", "batch.bench.ts"))) {
  const { printTable } = await import("./env.bench.js");
  printTable("batch", await benchBatch(process.argv[2] ?? "local"));
}
