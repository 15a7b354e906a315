// `mlgym report` side by side with a plain-Python recomputation of the same numbers (bench/report_recompute.py)
// on 676, 6,760 and 67,600 runs: wall time and peak RSS of each, and the ratios (targets: time < 1.0x at 676
// runs, memory <= 2.0x at 67,600). The 676 runs are the original's layout (13 models x 13 tasks x 4 runs) with
// results.json contents taken from ../shared/reference when present, else generated; larger trees replicate
// them as more runs. `npm run bench -- report`, or alone: `node --import tsx bench/report.bench.ts [sizes...]`.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { seededRandom } from "../src/metrics/bootstrap.js";
import { BENCHMARK_TAU_MAX, KNOWN_MODELS, TASK_CATALOGUE } from "../src/report/catalogue.js";
import { cacheHome } from "../src/runtime/paths.js";

const repo = resolve(fileURLToPath(import.meta.url), "../..");
const reference = resolve(repo, "../shared/reference/mlgym-results");
const MODELS = [...KNOWN_MODELS, "gemini-20-pro"]; // the original's 13 model folders
const TASKS = [...TASK_CATALOGUE.values()];
const RUNS = 4;

/** `results.json` text per (model slot, task, run) of the 676-run set. */
async function baseResults(): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const random = seededRandom(676);
  const byTask = new Map<string, string[]>();
  if (existsSync(reference)) {
    for (const name of (await readdir(reference)).sort()) {
      const task = name.split("__")[1] ?? "";
      const file = join(reference, name, "results.json");
      if (!existsSync(file)) continue;
      const list = byTask.get(task) ?? [];
      list.push(await readFile(file, "utf8"));
      byTask.set(task, list);
    }
  }
  MODELS.forEach((_, m) => {
    for (const task of TASKS) {
      for (let r = 0; r < RUNS; r++) {
        const pool = byTask.get(task.id);
        const key = `${m}/${task.id}/${r}`;
        if (pool && pool.length > 0) texts.set(key, pool[(m * RUNS + r) % pool.length] as string);
        else {
          const base = 1 + random();
          const agent = Array.from({ length: 1 + Math.floor(random() * 8) }, () => ({
            [task.priorityMetric]: base * (0.7 + random() * 0.6),
          }));
          texts.set(key, JSON.stringify({ agent, baseline: { [task.priorityMetric]: base } }, null, 2));
        }
      }
    }
  });
  return texts;
}

/** Writes 676 x `copies` run folders (the copies as more runs of the same models) and returns the folder. */
async function runTree(texts: Map<string, string>, copies: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "mlgym-bench-report-"));
  let pending: Array<Promise<void>> = [];
  for (let c = 0; c < copies; c++) {
    for (const [key, text] of texts) {
      const [m = "0", task = "", r = "0"] = key.split("/");
      const run = Number(r) + RUNS * c;
      const dir = join(
        root,
        `metagen-${MODELS[Number(m)]}__${task}__default__t-0.00__p-0.95__c-4.00__install-0__parallel_agents_run_${run}`,
      );
      pending.push(mkdir(dir).then(() => writeFile(join(dir, "results.json"), text)));
      if (pending.length >= 512) {
        await Promise.all(pending);
        pending = [];
      }
    }
  }
  await Promise.all(pending);
  return root;
}

/** The project's Python runtime (`mlgym setup`) when present, else python3. */
function python(): string {
  const home = cacheHome();
  const runtime = existsSync(home)
    ? readdirSync(home)
        .filter((n) => n.startsWith("python-"))
        .map((n) => join(home, n, "bin", "python"))
        .find((p) => existsSync(p))
    : undefined;
  return runtime ?? "python3";
}

/** The CLI compiled to one JavaScript file (what `npm run build` ships, without the wait for tsc). */
async function compiledCli(): Promise<string> {
  const outdir = join(repo, "node_modules", ".cache", "mlgym-bench");
  await rm(outdir, { recursive: true, force: true });
  // Split at dynamic imports, as tsc's output is: modules a command does not need are never loaded.
  await build({
    entryPoints: [join(repo, "src/cli/entry.ts")],
    outdir,
    splitting: true,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "error",
  });
  return join(outdir, "entry.js");
}

interface Measure {
  seconds: number;
  rssMb: number;
  stdout: string;
}

/** Runs a command under GNU time: wall seconds and peak resident memory of the process. */
function measure(command: string, args: string[]): Measure {
  const marker = "@@mlgym-bench@@";
  const stderrFile = join(tmpdir(), `mlgym-bench-time-${process.pid}`);
  const stdout = execFileSync(
    "/usr/bin/time",
    ["-f", `${marker} %e %M`, "-o", stderrFile, command, ...args],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  const line = execFileSync("cat", [stderrFile], { encoding: "utf8" })
    .split("\n")
    .find((l) => l.startsWith(marker));
  const [, seconds = "0", kb = "0"] = (line ?? "").split(" ");
  return { seconds: Number(seconds), rssMb: Number(kb) / 1024, stdout };
}

function best(runs: Measure[]): Measure {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

/** Whether the report's AUP table matches the Python recomputation (rounded to 3 decimals). */
async function sameNumbers(out: string, pythonOut: string): Promise<boolean> {
  const csv = (await readFile(join(out, "aup_scores.csv"), "utf8")).trim().split("\n").slice(1);
  const ts = new Map(csv.map((l) => l.split(",")).map(([m = "", b = "", l = ""]) => [m, [b, l]]));
  return pythonOut
    .trim()
    .split("\n")
    .every((line) => {
      const [model = "", b = "", l = ""] = line.split(" ");
      const mine = ts.get(model);
      const close = (x: string, y: string | undefined) => Math.abs(Number(x) - Number(y)) <= 0.0015;
      return mine !== undefined && close(b, mine[0]) && close(l, mine[1]);
    });
}

/** Side-by-side rows for each size (676 x copies). */
export async function benchReport(
  copiesList: number[] = [1, 10, 100],
): Promise<Array<{ name: string; value: string }>> {
  const rows: Array<{ name: string; value: string }> = [];
  const texts = await baseResults();
  const cli = await compiledCli();
  const py = python();
  const script = join(repo, "bench", "report_recompute.py");
  for (const copies of copiesList) {
    const count = texts.size * copies;
    const root = await runTree(texts, copies);
    const out = `${root}-out`;
    try {
      const repeats = count <= 1000 ? 5 : count <= 10000 ? 2 : 1;
      const pyRuns: Measure[] = [];
      const tsRuns: Measure[] = [];
      // Alternate the two so a busy machine slows both alike; the first of each warms the page cache.
      for (let i = 0; i < repeats + 1; i++) {
        pyRuns.push(measure(py, [script, root, String(BENCHMARK_TAU_MAX)]));
        tsRuns.push(
          measure(process.execPath, [
            cli,
            "report",
            root,
            "--out",
            out,
            "--format",
            "csv",
            "--tau-max",
            String(BENCHMARK_TAU_MAX),
          ]),
        );
      }
      const p = best(pyRuns.slice(1));
      const t = best(tsRuns.slice(1));
      const peakPy = Math.max(...pyRuns.map((r) => r.rssMb));
      const peakTs = Math.max(...tsRuns.map((r) => r.rssMb));
      const same = await sameNumbers(out, p.stdout);
      rows.push(
        {
          name: `report ${count} runs: time Python / mlgym`,
          value: `${p.seconds.toFixed(2)} s / ${t.seconds.toFixed(2)} s`,
        },
        {
          name: `report ${count} runs: time ratio mlgym/Python`,
          value: `${(t.seconds / p.seconds).toFixed(2)}x`,
        },
        {
          name: `report ${count} runs: peak RSS Python / mlgym`,
          value: `${peakPy.toFixed(0)} MB / ${peakTs.toFixed(0)} MB`,
        },
        {
          name: `report ${count} runs: memory ratio mlgym/Python`,
          value: `${(peakTs / peakPy).toFixed(2)}x`,
        },
        { name: `report ${count} runs: same AUP as Python`, value: same ? "yes" : "NO" },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(out, { recursive: true, force: true });
    }
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const rows = await benchReport(
    sizes.length > 0 ? sizes.map((n) => Math.max(1, Math.round(n / 676))) : undefined,
  );
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const row of rows) process.stdout.write(`${row.name.padEnd(width)}  ${row.value}\n`);
}
