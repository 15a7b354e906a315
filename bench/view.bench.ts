// `mlgym view`: time to the first page of the run list on the original's 676-run layout (13 models x 13 tasks x
// 4 runs), cold (no index cache: every trajectory scanned once) and warm (the index cache of a previous session,
// checked by mtimes), and one trajectory of about 40 MB: its offset scan and step outline from a cold cache, its row
// in the index, its run page (info and outline), then 20 steps by byte range. The 676 runs take results.json from ../shared/reference/mlgym-results and trajectories (hard links) from
// ../shared/reference/mlgym-trajectories when present, else generated ones. Target: first page well under 1 s.
// `npm run bench -- view`, or alone: `node --import tsx bench/view.bench.ts`.
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { KNOWN_MODELS, TASK_CATALOGUE } from "../src/report/catalogue.js";
import { startViewServer } from "../src/view/server.js";
import { scanStepOffsets } from "../src/view/step-offsets.js";
import { TrajectoryFiles } from "../src/view/trajectory-file.js";

const repo = resolve(fileURLToPath(import.meta.url), "../..");
const reference = resolve(repo, "../shared/reference");
const MODELS = [...KNOWN_MODELS, "gemini-20-pro"].slice(0, 13);
const TASKS = [...TASK_CATALOGUE.keys()];

function generatedTrajectory(steps: number, observationBytes: number): string {
  const observation = "x".repeat(observationBytes);
  const trajectory = Array.from({ length: steps }, (_, i) => ({
    action: i % 5 === 4 ? "validate" : `python train.py --step ${i}`,
    observation,
    response: `DISCUSSION step ${i}`,
    state: "{}",
    thought: `step ${i}`,
    execution_time: 1,
    ...(i % 10 === 3 ? { requeries: [{ response: "no command", error: "format error" }] } : {}),
  }));
  const info = { model_stats: { total_cost: 1, tokens_sent: 1000, tokens_received: 100, api_calls: steps } };
  return JSON.stringify(
    { environment: "mlgym_main", trajectory, history: [], info: { ...info, exit_status: "submitted" } },
    null,
    2,
  );
}

/** The 676-run folder; trajectories of the same task are shared through hard links. */
function corpus(root: string): void {
  const results = join(reference, "mlgym-results");
  const trajectories = join(reference, "mlgym-trajectories");
  const resultsOf = new Map<string, string[]>();
  if (existsSync(results))
    for (const name of readdirSync(results).sort()) {
      const task = name.split("__")[1] ?? "";
      resultsOf.set(task, [...(resultsOf.get(task) ?? []), join(results, name, "results.json")]);
    }
  const trajOf = new Map<string, string>();
  if (existsSync(trajectories))
    for (const name of readdirSync(trajectories)) {
      // Copied once next to the runs (hard links cannot cross file systems), then linked into every run of the task.
      const task = name.split("__")[1] ?? "";
      const copy = join(root, "..", `${task}.traj`);
      copyFileSync(join(trajectories, name, `${task}.traj`), copy);
      trajOf.set(task, copy);
    }
  const spare = join(root, "..", "generated.traj");
  writeFileSync(spare, generatedTrajectory(50, 4000));
  const fallback = [...trajOf.values()];
  for (const [m, model] of MODELS.entries())
    for (const task of TASKS)
      for (let run = 0; run < 4; run++) {
        const dir = join(root, `metagen-${model}__${task}__default__parallel_agents_run_${run}`);
        mkdirSync(dir, { recursive: true });
        const known = resultsOf.get(task);
        const source = known?.[(m * 4 + run) % known.length];
        if (source && existsSync(source)) copyFileSync(source, join(dir, "results.json"));
        else
          writeFileSync(
            join(dir, "results.json"),
            JSON.stringify({ agent: [{ score: run }], baseline: { score: 0 } }),
          );
        linkSync(
          trajOf.get(task) ?? fallback[(m + run) % Math.max(1, fallback.length)] ?? spare,
          join(dir, `${task}.traj`),
        );
      }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

/** Rows of the benchmark table. */
export async function benchView(): Promise<Array<{ name: string; value: string }>> {
  const work = mkdtempSync(join(tmpdir(), "mlgym-view-bench-"));
  const rows: Array<{ name: string; value: string }> = [];
  try {
    const root = join(work, "runs");
    corpus(root);
    const cacheDir = join(work, "cache");
    const firstPage = async () => {
      const [server, ms] = await timed(async () => {
        const s = await startViewServer({ root, cacheDir });
        const res = await fetch(new URL("/api/runs?sort=score&desc=1&limit=50", s.url));
        const body = (await res.json()) as { total: number; indexing: { done: number } | null };
        if (body.total === 0 || (body.indexing === null && body.total !== 676))
          throw new Error(`expected 676 runs, listed ${body.total}`);
        await (await fetch(s.url)).text();
        return s;
      });
      await server.close();
      return ms;
    };
    const source = existsSync(join(reference, "mlgym-results")) ? "reference" : "generated";
    rows.push({
      name: `first page, 676 runs (${source}), cold index`,
      value: `${(await firstPage()).toFixed(0)} ms`,
    });
    const [, fullMs] = await timed(async () => {
      rmSync(cacheDir, { recursive: true, force: true });
      const s = await startViewServer({ root, cacheDir });
      const rows = await s.index.refresh();
      if (rows.length !== 676) throw new Error(`indexed ${rows.length} runs`);
      await s.close();
    });
    rows.push({ name: "complete index, 676 runs, cold", value: `${fullMs.toFixed(0)} ms` });
    rows.push({
      name: "first page, 676 runs, warm index cache",
      value: `${(await firstPage()).toFixed(0)} ms`,
    });

    const big = join(work, "big", "model__bigTask__default_run_0");
    mkdirSync(big, { recursive: true });
    const bigFile = join(big, "bigTask.traj");
    writeFileSync(bigFile, generatedTrajectory(2000, 20_000));
    // The step list alone, from a cold cache (median of 5): the offset scan, then the outline (which includes a scan).
    const median = async (fn: () => unknown) => {
      const times: number[] = [];
      for (let k = 0; k < 5; k++) times.push((await timed(async () => fn()))[1]);
      return times.sort((a, b) => a - b)[2] as number;
    };
    const outline = new TrajectoryFiles().outline(bigFile);
    if (outline.length !== 2000 || outline[3]?.requeries !== 1) throw new Error("unexpected outline");
    const scanMs = await median(() => scanStepOffsets(bigFile));
    const outlineMs = await median(() => new TrajectoryFiles().outline(bigFile));
    rows.push({ name: "offset scan of a 40 MB trajectory", value: `${scanMs.toFixed(0)} ms` });
    rows.push({ name: "outline of a 40 MB trajectory (scan included)", value: `${outlineMs.toFixed(0)} ms` });
    const server = await startViewServer({ root: join(work, "big"), cacheDir: null });
    try {
      const id = encodeURIComponent("model__bigTask__default_run_0");
      // The run's row first (its summary; the task, unknown to the catalogue, is looked up in the registry), then
      // the run page itself (info and outline).
      const [, indexMs] = await timed(() => server.index.refresh());
      const [, runMs] = await timed(async () =>
        (await fetch(new URL(`/api/run?id=${id}`, server.url))).json(),
      );
      const [, stepsMs] = await timed(async () =>
        (await fetch(new URL(`/api/steps?id=${id}&from=1000&to=1020`, server.url))).json(),
      );
      rows.push({
        name: "index of the 40 MB run (registry look-up of its task)",
        value: `${indexMs.toFixed(0)} ms`,
      });
      rows.push({
        name: "run page of a 40 MB trajectory: info + outline",
        value: `${runMs.toFixed(0)} ms`,
      });
      rows.push({
        name: "run page of a 40 MB trajectory: 20 steps by range",
        value: `${stepsMs.toFixed(0)} ms`,
      });
      rows.push({
        name: "resident memory after",
        value: `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
      });
    } finally {
      await server.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { printTable } = await import("./env.bench.js");
  printTable("view", await benchView());
}
