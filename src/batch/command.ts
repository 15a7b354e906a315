import { join, relative } from "node:path";
import { EXIT_INFRASTRUCTURE, EXIT_INTERRUPTED } from "../cli/episode-output.js";
import { ConfigError } from "../errors.js";
import { readPriceFile } from "../models/price-file.js";
import { createModel } from "../models/registry.js";
import { BatchDisplay, summaryTable } from "./display.js";
import { openLedger } from "./ledger.js";
import { type BatchResult, type EpisodeRecord, runLocalBatch } from "./local-pool.js";
import type { BatchEvent, BatchPlan, Ledger } from "./types.js";

export interface BatchCommandOptions {
  /** Redis URL: enqueue for workers and follow, instead of running here. */
  queue?: string;
  /** Write the report tables into `<output>/report` at the end. */
  report: boolean;
  quiet: boolean;
}

/** Exit code when some episodes failed for a reason other than infrastructure (a bad task, a framework fault). */
export const EXIT_EPISODE_ERRORS = 1;

/**
 * A model whose price is unknown cannot be held to a budget: refused before anything starts (unless allowed), as
 * for an episode's own cost limit.
 */
function checkPrices(plan: BatchPlan): void {
  for (const spec of new Map(plan.episodes.map((e) => [e.model, e])).values()) {
    if (spec.allowUnpriced || (plan.budgetUsd === undefined && spec.costLimitUsd === undefined)) continue;
    const model = createModel(spec.model, {
      ...(spec.baseUrl ? { baseUrl: spec.baseUrl } : {}),
      ...(spec.pricesFile ? { prices: readPriceFile(spec.pricesFile) } : {}),
    });
    if (model.costUnknown) {
      throw new ConfigError(
        `no price is known for ${model.id}, so ${plan.budgetUsd === undefined ? "the cost limit" : "the batch budget"} cannot be enforced; give its price with --prices FILE, or pass --allow-unpriced`,
        { field: plan.budgetUsd === undefined ? "--cost-limit" : "--budget" },
      );
    }
  }
}

/**
 * `mlgym batch` after planning: the live display, Ctrl-C (first: no new episodes, running ones end as interrupted;
 * second: exit at once), the batch (here, or through Redis for workers), the summary table, the report tables, and
 * the exit code (0 all complete, 130 interrupted, 3 infrastructure failures left, 1 other failures).
 */
export async function runBatchCommand(plan: BatchPlan, options: BatchCommandOptions): Promise<void> {
  if (!options.queue) checkPrices(plan);
  const ledger: Ledger | undefined =
    plan.budgetUsd === undefined
      ? undefined
      : await openLedger(plan.budgetUsd, {
          batchId: plan.id,
          ...(options.queue
            ? { redisUrl: options.queue }
            : { file: join(plan.output, ".mlgym-batch", `${plan.id}.ledger.json`) }),
        });
  const display = options.quiet
    ? undefined
    : new BatchDisplay(plan, {
        write: (text) => process.stderr.write(text),
        tty: process.stderr.isTTY === true,
        ...(process.stderr.columns ? { width: process.stderr.columns } : {}),
      });
  const onEvent = (event: BatchEvent) => {
    display?.onEvent(event);
    if (options.quiet && event.kind === "failed")
      process.stderr.write(`mlgym: FAILED ${event.spec.folder}: ${event.reason}\n`);
  };
  const abort = new AbortController();
  let presses = 0;
  const onSignal = () => {
    presses++;
    if (presses === 1) {
      process.stderr.write(
        options.queue
          ? "\nmlgym: stopped following the batch; the workers go on with it (`mlgym batch` with the same plan re-attaches; stop workers with SIGTERM)\n"
          : "\nmlgym: stopping: no new episodes; running ones end as interrupted and run again on the next start (Ctrl-C again to quit at once)\n",
      );
      abort.abort();
    } else {
      process.exit(EXIT_INTERRUPTED);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let result: BatchResult;
  try {
    if (options.queue) {
      const { runQueuedBatch } = await import("./queue.js");
      result = await runQueuedBatch(plan, options.queue, { signal: abort.signal, onEvent });
    } else {
      result = await runLocalBatch(plan, {
        ...(ledger ? { ledger } : {}),
        signal: abort.signal,
        onEvent,
        warn: (line) => process.stderr.write(`${line}\n`),
      });
    }
  } finally {
    display?.end();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const budget = ledger ? await ledger.state() : undefined;
  await ledger?.close();
  process.stdout.write(`\n${summaryTable(plan, result.outcomes)}`);
  const count = (status: EpisodeRecord["status"]) =>
    [...result.outcomes.values()].filter((o) => o.status === status).length;
  const lines = [
    `${count("completed") + count("skipped")}/${plan.episodes.length} episodes complete (${count("skipped")} from before)`,
  ];
  if (count("infrastructure"))
    lines.push(`${count("infrastructure")} failed for infrastructure (run the batch again to retry them)`);
  if (count("error")) lines.push(`${count("error")} failed with errors (see above)`);
  if (count("interrupted")) lines.push(`${count("interrupted")} interrupted (run the batch again to resume)`);
  if (result.notStarted.length)
    lines.push(
      `${result.notStarted.length} not started${result.budgetExhausted ? " (the budget is spent)" : result.interrupted ? " (interrupted)" : ""}`,
    );
  if (budget) lines.push(`spent ${budget.spentUsd.toFixed(4)} of ${budget.limitUsd} USD`);
  process.stdout.write(`${lines.map((l) => `mlgym: ${l}`).join("\n")}\n`);
  if (options.report && count("completed") + count("skipped") > 0) await writeTables(plan);
  process.exitCode = result.interrupted
    ? EXIT_INTERRUPTED
    : count("infrastructure")
      ? EXIT_INFRASTRUCTURE
      : count("error")
        ? EXIT_EPISODE_ERRORS
        : 0;
}

/** A path as the user typed it: relative to the working folder when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}

/** `mlgym report`'s tables (CSV, Markdown) for the output folder; figures are one `mlgym report` away. */
async function writeTables(plan: BatchPlan): Promise<void> {
  const [{ buildReport }, { writeReport }] = await Promise.all([
    import("../report/build-report.js"),
    import("../report/write-report.js"),
  ]);
  const tasksDirs = plan.episodes[0]?.tasksDirs ?? [];
  const dataRoots = plan.episodes[0]?.dataRoots ?? [];
  const out = join(plan.output, "report");
  try {
    const data = await buildReport(plan.output, { tasksDirs, dataRoots });
    await writeReport(data, out, ["csv", "md"], (line) => process.stderr.write(`mlgym report: ${line}\n`));
    process.stdout.write(
      `mlgym: report tables in ${shown(out)}; figures: mlgym report ${shown(plan.output)}${tasksDirs.map((d) => ` --tasks-dir ${shown(d)}`).join("")}\n`,
    );
  } catch (error) {
    process.stderr.write(`mlgym: the report could not be written: ${(error as Error).message}\n`);
  }
}
