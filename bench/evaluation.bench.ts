// Evaluation time per built-in task: the former way (the evaluation imports the agent's code and runs in the
// workspace) against the pristine evaluation (a fresh folder; the agent's code in its own process). Issue 9 allows
// at most 2x.
import { make } from "../src/env/make.js";
import { evaluationSupportDir } from "../src/runtime/paths.js";
import { shellQuote } from "../src/shell/shell-session.js";
import { taskKind } from "../src/tasks/kinds.js";
import type { BenchRow } from "./env.bench.js";

/** How each task gets a submission to evaluate (the slow baselines are replaced by their sample submission). */
const TASKS: Array<{ id: string; prepare?: string }> = [
  { id: "battleOfSexes" },
  { id: "prisonersDilemma" },
  { id: "blotto" },
  { id: "3SATTime" },
  { id: "regressionKaggleHousePrice", prepare: "python baseline.py" },
  { id: "titanicSurvival", prepare: "python baseline.py" },
  { id: "imageClassificationFMnist", prepare: "cp sample_submission.csv submission.csv" },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return (performance.now() - started) / 1000;
}

export async function benchEvaluation(repeats = 3): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const task of TASKS) {
    const env = make(`mlgym/${task.id}`, { sandbox: "bwrap", shortTimeoutS: 600 });
    try {
      await env.reset();
      if (task.prepare) await env.step(task.prepare);
      const config = env.spec.config;
      const kind = taskKind(config.task_entrypoint);
      const script = config.evaluation_paths[0]!;
      const args = kind.artefact === "file" ? kind.evaluationArgs(kind.submissionPath("")) : [];
      const former = `python ${[script, ...args].map(shellQuote).join(" ")}`;
      const before: number[] = [];
      const after: number[] = [];
      for (let i = 0; i < repeats; i++) {
        before.push(
          await timed(async () => {
            const run = await env.sandbox.exec(former, {
              evaluation: true,
              timeoutMs: 600_000,
              env: { MLGYM_AGENT_CHANNEL: "in-process", PYTHONPATH: evaluationSupportDir() },
            });
            if (run.exitCode !== 0) throw new Error(`${task.id}: ${run.stdout}${run.stderr}`);
          }),
        );
        after.push(await timed(() => env.evaluate()));
      }
      const b = median(before);
      const a = median(after);
      rows.push({
        name: `${task.id}: evaluation s, former in-workspace → pristine (ratio)`,
        value: `${b.toFixed(2)} → ${a.toFixed(2)} (${(a / b).toFixed(2)}x)`,
      });
    } finally {
      await env.close();
    }
  }
  return rows;
}
