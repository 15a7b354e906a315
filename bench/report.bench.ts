// Report time on synthetic run trees of 1,000 and 10,000 runs (12 models × the 13 catalogue tasks, .traj included).
// Wired into `npm run bench` through benchReport(); also runnable alone: `node --import tsx bench/report.bench.ts`.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { seededRandom } from "../src/metrics/bootstrap.js";
import { buildReport } from "../src/report/build-report.js";
import { KNOWN_MODELS, TASK_CATALOGUE } from "../src/report/catalogue.js";
import { writeReport } from "../src/report/write-report.js";

const ACTIONS = [
  "ls\n",
  'open "train.py"\n',
  "edit 1:3\nx = 1\nend_of_edit\n",
  "python train.py\n",
  "validate\n",
  "submit\n",
];
const STATUSES = ["submitted", "autosubmission (max_steps)", "evaluation_format_error (exit_context)", ""];

/** Writes `count` run folders (results.json + .traj) under a new temporary folder and returns it. */
async function syntheticRuns(count: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "mlgym-bench-report-"));
  const random = seededRandom(count);
  const tasks = [...TASK_CATALOGUE.values()];
  const writes: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const task = tasks[i % tasks.length]!;
    const model = KNOWN_MODELS[Math.floor(i / tasks.length) % KNOWN_MODELS.length]!;
    const run = Math.floor(i / (tasks.length * KNOWN_MODELS.length));
    const dir = join(
      root,
      `metagen-${model}__${task.id}__default__t-0.00__p-0.95__c-4.00__install-0__parallel_agents_run_${run}`,
    );
    const base = 1 + random();
    const attempts =
      random() < 0.2
        ? []
        : Array.from({ length: 1 + Math.floor(random() * 8) }, () => ({
            [task.priorityMetric]: base * (0.7 + random() * 0.6),
          }));
    const steps = ACTIONS.map((action) => ({
      action,
      observation: "ok",
      response: action,
      state: "{}",
      thought: "",
      execution_time: 0.1,
    }));
    const traj = {
      environment: "mlgym_main",
      trajectory: [...steps, ...steps],
      history: [],
      info: {
        exit_status: STATUSES[Math.floor(random() * STATUSES.length)],
        model_stats: {
          total_cost: random(),
          task_cost: 0,
          tokens_sent: 100000,
          tokens_received: 5000,
          api_calls: 12,
        },
      },
    };
    writes.push(
      mkdir(dir, { recursive: true }).then(async () => {
        await writeFile(
          join(dir, "results.json"),
          JSON.stringify({ agent: attempts, baseline: { [task.priorityMetric]: base } }),
        );
        await writeFile(join(dir, `${task.id}.traj`), JSON.stringify(traj));
      }),
    );
    if (writes.length >= 256) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  return root;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const ms = (x: number) => `${x.toFixed(0)} ms`;

/** Report timings for 1,000 and 10,000 synthetic runs. */
export async function benchReport(): Promise<Array<{ name: string; value: string }>> {
  const results: Array<{ name: string; value: string }> = [];
  for (const count of [1000, 10000]) {
    const root = await syntheticRuns(count);
    const out = join(root, "..", `${root.split(/[\\/]/).pop()}-out`);
    try {
      let data = await buildReport(root); // warm-up (module load, JIT)
      const analyse = await timed(async () => {
        data = await buildReport(root);
      });
      const tables = await timed(() => writeReport(data, out, ["csv", "json"]));
      const full = await timed(async () =>
        writeReport(await buildReport(root), out, ["csv", "json", "md", "html", "svg", "png"]),
      );
      const bootstrap = await timed(() => buildReport(root, { bootstrap: 200, seed: 1 }));
      results.push(
        { name: `report: read + analyse ${count} runs`, value: ms(analyse) },
        { name: `report: csv + json for ${count} runs`, value: ms(tables) },
        { name: `report: full (all formats, PNG) ${count} runs`, value: ms(full) },
        { name: `report: analyse + 200 bootstrap replicates ${count} runs`, value: ms(bootstrap) },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
      await rm(out, { recursive: true, force: true });
    }
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rows = await benchReport();
  const width = Math.max(...rows.map((r) => r.name.length));
  for (const row of rows) process.stdout.write(`${row.name.padEnd(width)}  ${row.value}\n`);
}
