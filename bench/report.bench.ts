// `mlgym report --format csv` (the built CLI, `node bin/mlgym.js`, what users run) side by side with two Python
// recomputations of the same tables (bench/report_recompute.py) on 676, 6,760 and 67,600 runs: the original's way
// (its analysis scripts: glob each model's run folders per task, load every results.json into per-model lists,
// compute with numpy; writes the same CSV files) and a minimal standard-library one (one listing, streamed). Wall
// time and peak RSS of each, and the ratios (targets against the original's way: time < 1.0x at 676 runs, memory
// <= 2.0x at 67,600). The 676 runs are the original's layout (13 models x 13 tasks x 4 runs) with results.json
// contents taken from ../shared/reference when present, else generated; larger trees repeat them as more runs
// (hard links to the 676 files). `npm run bench -- report`, or alone:
// `node --import tsx bench/report.bench.ts [sizes...]`.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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

/** Writes 676 x `copies` run folders (the copies as more runs of the same models, hard-linked) in a new folder. */
async function runTree(texts: Map<string, string>, copies: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "mlgym-bench-report-"));
  const folder = (key: string, c: number) => {
    const [m = "0", task = "", r = "0"] = key.split("/");
    const run = Number(r) + RUNS * c;
    return join(
      root,
      `metagen-${MODELS[Number(m)]}__${task}__default__t-0.00__p-0.95__c-4.00__install-0__parallel_agents_run_${run}`,
    );
  };
  let pending: Array<Promise<void>> = [];
  const flush = async (force: boolean) => {
    if (!force && pending.length < 512) return;
    await Promise.all(pending);
    pending = [];
  };
  for (const [key, text] of texts) {
    const dir = folder(key, 0);
    pending.push(mkdir(dir).then(() => writeFile(join(dir, "results.json"), text)));
    await flush(false);
  }
  await flush(true);
  for (let c = 1; c < copies; c++) {
    for (const key of texts.keys()) {
      const dir = folder(key, c);
      pending.push(
        mkdir(dir).then(() => link(join(folder(key, 0), "results.json"), join(dir, "results.json"))),
      );
      await flush(false);
    }
  }
  await flush(true);
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

/** Builds the CLI as users get it (`npm run build`) and returns its launcher, bin/mlgym.js. */
function builtCli(): string {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: repo, stdio: "inherit" });
  return join(repo, "bin", "mlgym.js");
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

/** The CSV tables both the report and the original's way write: they must be equal, byte for byte. */
const SHARED_TABLES = ["aup_scores", "best_scores", "last_scores", "best_ranks", "last_ranks"];

/** The tables of `out` that differ from those of `pythonOut` (empty: the same tables). */
async function differentTables(out: string, pythonOut: string): Promise<string[]> {
  const differ: string[] = [];
  for (const name of SHARED_TABLES) {
    const mine = await readFile(join(out, `${name}.csv`), "utf8").catch(() => "(missing)");
    const theirs = await readFile(join(pythonOut, `${name}.csv`), "utf8").catch(() => "(missing)");
    if (mine !== theirs) differ.push(name);
  }
  return differ;
}

/** Whether the report's AUP table matches the minimal recomputation's printed AUPs (rounded to 3 decimals). */
async function sameAups(out: string, minimalStdout: string): Promise<boolean> {
  const csv = (await readFile(join(out, "aup_scores.csv"), "utf8")).trim().split("\n").slice(1);
  const ts = new Map(csv.map((l) => l.split(",")).map(([m = "", b = "", l = ""]) => [m, [b, l]]));
  const lines = minimalStdout.trim().split("\n");
  return (
    lines.length === ts.size &&
    lines.every((line) => {
      const [model = "", b = "", l = ""] = line.split(" ");
      const mine = ts.get(model);
      const close = (x: string, y: string | undefined) => Math.abs(Number(x) - Number(y)) <= 0.0015;
      return mine !== undefined && close(b, mine[0]) && close(l, mine[1]);
    })
  );
}

const seconds = (m: Measure) => `${m.seconds.toFixed(2)} s`;
const megabytes = (mb: number) => `${mb.toFixed(0)} MB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

/** Side-by-side rows for each size (676 x copies). */
export async function benchReport(
  copiesList: number[] = [1, 10, 100],
): Promise<Array<{ name: string; value: string }>> {
  const rows: Array<{ name: string; value: string }> = [];
  const texts = await baseResults();
  const cli = builtCli();
  const py = python();
  const script = join(repo, "bench", "report_recompute.py");
  const tau = String(BENCHMARK_TAU_MAX);
  for (const copies of copiesList) {
    const count = texts.size * copies;
    const root = await runTree(texts, copies);
    const out = `${root}-out`;
    const pyOut = `${root}-py`;
    try {
      const repeats = count <= 1000 ? 5 : count <= 10000 ? 2 : 1;
      const runs: Record<"original" | "minimal" | "mlgym", Measure[]> = {
        original: [],
        minimal: [],
        mlgym: [],
      };
      // Alternate the three so a busy machine slows all alike; the first of each warms the page cache.
      for (let i = 0; i < repeats + 1; i++) {
        runs.original.push(measure(py, [script, root, "--out", pyOut, "--tau-max", tau]));
        runs.minimal.push(measure(py, [script, "--minimal", root, tau]));
        runs.mlgym.push(
          measure(process.execPath, [cli, "report", root, "--out", out, "--format", "csv", "--tau-max", tau]),
        );
      }
      const fastest = (list: Measure[]) => best(list.slice(1));
      const peak = (list: Measure[]) => Math.max(...list.map((r) => r.rssMb));
      const [o, m, t] = [fastest(runs.original), fastest(runs.minimal), fastest(runs.mlgym)];
      const [po, pm, pt] = [peak(runs.original), peak(runs.minimal), peak(runs.mlgym)];
      const differ = await differentTables(out, pyOut);
      const n = `report ${count} runs`;
      rows.push(
        {
          name: `${n}: time original-way Python / minimal Python / mlgym`,
          value: `${seconds(o)} / ${seconds(m)} / ${seconds(t)}`,
        },
        { name: `${n}: time mlgym/original-way (target < 1.0x at 676)`, value: ratio(t.seconds, o.seconds) },
        { name: `${n}: time mlgym/minimal`, value: ratio(t.seconds, m.seconds) },
        {
          name: `${n}: peak RSS original-way / minimal / mlgym`,
          value: `${megabytes(po)} / ${megabytes(pm)} / ${megabytes(pt)}`,
        },
        { name: `${n}: memory mlgym/original-way (target <= 2.0x at 67600)`, value: ratio(pt, po) },
        { name: `${n}: memory mlgym/minimal`, value: ratio(pt, pm) },
        {
          name: `${n}: same CSV tables as the original's way`,
          value: differ.length === 0 ? `yes (${SHARED_TABLES.length} files)` : `NO: ${differ.join(", ")}`,
        },
        { name: `${n}: same AUPs as minimal`, value: (await sameAups(out, m.stdout)) ? "yes" : "NO" },
      );
    } finally {
      await Promise.all([root, out, pyOut].map((d) => rm(d, { recursive: true, force: true })));
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
