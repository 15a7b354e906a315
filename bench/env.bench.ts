import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { make } from "../src/env/make.js";
import { descendants } from "../src/sandbox/process-tree.js";
import { probeBackends } from "../src/sandbox/registry.js";
import { FIXTURE_TASKS } from "../test/helpers/fixtures.js";

export interface BenchRow {
  name: string;
  value: string;
}

function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", "true"], { stdio: "ignore" });
    child.on("error", reject);
    child.on("close", () => resolve());
  });
}

async function timeMany(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(10, n); i++) await fn();
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - started) / n;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Per-step overhead vs spawning `bash -c true`, `open` of a 2,500-line file, reset time, memory per idle episode. */
export async function benchEnv(steps = 300): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const spawnMs = await timeMany(steps, spawnTrue);
  rows.push({ name: "spawn `bash -c true` (baseline)", value: `${spawnMs.toFixed(2)} ms` });
  const backends = Object.entries(probeBackends())
    .filter(([, p]) => p.ok)
    .map(([name]) => name);
  for (const backend of backends) {
    const env = make("tinyCsv", { tasksDirs: [FIXTURE_TASKS], sandbox: backend, maxSteps: 100_000 });
    const resetMs = await timeMany(3, () => env.reset());
    rows.push({ name: `reset tinyCsv (${backend})`, value: `${resetMs.toFixed(0)} ms` });
    const stepMs = await timeMany(steps, () => env.step("true"));
    rows.push({ name: `env.step("true") (${backend})`, value: `${stepMs.toFixed(2)} ms` });
    rows.push({
      name: `step overhead ratio vs spawn (${backend}, target <= 1.5)`,
      value: (stepMs / spawnMs).toFixed(2),
    });
    await env.step(
      "python3 -c \"print('\\n'.join('line %d = %d' % (i, i * i) for i in range(2500)))\" > big.py",
    );
    const openMs = await timeMany(20, () => env.step('open "big.py" 1250'));
    rows.push({ name: `open of a 2,500-line file (${backend})`, value: `${openMs.toFixed(1)} ms` });
    await env.close();
  }
  const episodes = 5;
  const envs = Array.from({ length: episodes }, () =>
    make("tinyCsv", { tasksDirs: [FIXTURE_TASKS], sandbox: backends.includes("bwrap") ? "bwrap" : "local" }),
  );
  const heapBefore = process.memoryUsage().rss;
  for (const env of envs) await env.reset();
  const heapAfter = process.memoryUsage().rss;
  const sandboxKb = descendants(process.pid).reduce((sum, p) => sum + rssKb(p.pid), 0);
  rows.push({
    name: `memory per idle episode (${episodes} open; sandbox processes + node heap)`,
    value: `${((sandboxKb / 1024 + (heapAfter - heapBefore) / 2 ** 20) / episodes).toFixed(1)} MiB`,
  });
  for (const env of envs) await env.close();
  return rows;
}

export function printTable(title: string, rows: BenchRow[]): void {
  const width = Math.max(...rows.map((r) => r.name.length));
  process.stdout.write(`\n${title}\n${"-".repeat(width + 16)}\n`);
  for (const r of rows) process.stdout.write(`${r.name.padEnd(width)}  ${r.value}\n`);
}

if (process.argv[1]?.endsWith(join("bench", "env.bench.ts"))) {
  printTable("environment", await benchEnv());
}
