import type { MLGymEnv } from "../src/env/env.js";
import { make } from "../src/env/make.js";
import { probeBackend } from "../src/sandbox/registry.js";
import { FIXTURE_TASKS } from "../test/helpers/fixtures.js";
import type { BenchRow } from "./env.bench.js";

/** Mean milliseconds of `fn` over `n` runs, after `warm` runs not counted. */
async function mean(n: number, fn: () => Promise<unknown>, warm = 1): Promise<number> {
  for (let i = 0; i < warm; i++) await fn();
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - started) / n;
}

/** Reset, step and evaluation times of one backend on the tinyCsv fixture task. */
async function measure(
  backend: string,
  steps: number,
): Promise<{ reset: number; step: number; validate: number }> {
  const env: MLGymEnv = make("tinyCsv", {
    tasksDirs: [FIXTURE_TASKS],
    sandbox: backend,
    maxSteps: 10_000_000,
  });
  try {
    const reset = await mean(3, () => env.reset());
    const step = await mean(steps, () => env.step("true"), 10);
    // The baseline writes submission.csv, so that every validate runs a real evaluation.
    await env.step("python baseline.py");
    const validate = await mean(3, () => env.step("validate"));
    return { reset, step, validate };
  } finally {
    await env.close();
  }
}

/**
 * The container backends' overhead beside bwrap's, in the same run: reset (a container started per episode), a step
 * (an exec'd shell), and `validate` (a one-off evaluation container), as ratios container / bwrap; podman's rows
 * where Podman and its image are there.
 */
export async function benchDocker(steps = 300): Promise<BenchRow[]> {
  const missing = ["bwrap", "docker"].filter((b) => !probeBackend(b)?.ok);
  if (missing.length > 0) {
    return missing.map((b) => ({ name: `${b} unavailable (skipped)`, value: probeBackend(b)?.reason ?? "" }));
  }
  const bwrap = await measure("bwrap", steps);
  const rows: BenchRow[] = [];
  for (const engine of ["docker", "podman"]) {
    const probe = probeBackend(engine);
    if (!probe?.ok) {
      rows.push({ name: `${engine} unavailable (skipped)`, value: probe?.reason ?? "" });
      continue;
    }
    const box = await measure(engine, steps);
    for (const [what, key] of [
      ["reset tinyCsv", "reset"],
      [`env.step("true"), mean of ${steps}`, "step"],
      ["validate (evaluation) tinyCsv", "validate"],
    ] as const) {
      const digits = key === "step" ? 2 : 0;
      rows.push({
        name: `${what}: ${engine} / bwrap`,
        value: `${(box[key] / bwrap[key]).toFixed(2)} (${engine} ${box[key].toFixed(digits)} ms, bwrap ${bwrap[key].toFixed(digits)} ms)`,
      });
    }
  }
  return rows;
}
