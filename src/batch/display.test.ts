import assert from "node:assert/strict";
import { test } from "node:test";
import { episodeSpec } from "../../test/helpers/batch.js";
import { BatchDisplay, summaryTable } from "./display.js";
import type { EpisodeRecord } from "./local-pool.js";
import type { BatchPlan } from "./types.js";

const spec = (i: number, model: string, task: string) => episodeSpec(i, { model, task, maxSteps: 10 });

const episodes = [spec(0, "m1", "a"), spec(1, "m1", "a"), spec(2, "m2", "a"), spec(3, "m2", "b")];
const plan: BatchPlan = {
  id: "abc",
  output: "/runs",
  episodes,
  concurrency: 2,
  perModelConcurrency: {},
  budgetUsd: 5,
  gpus: [],
  retries: 1,
  retryDelayMs: 1000,
};

test("the counts line: done, running, failed, queued, cost against the budget, throughput", () => {
  const out: string[] = [];
  const d = new BatchDisplay(plan, { write: (t) => out.push(t), tty: false });
  d.onEvent({ kind: "planned", total: 4, complete: 1 });
  d.onEvent({ kind: "started", spec: episodes[1]!, attempt: 1 });
  d.onEvent({ kind: "started", spec: episodes[2]!, attempt: 1 });
  d.onEvent({
    kind: "progress",
    progress: { key: "k1", step: 3, maxSteps: 10, costUsd: 0.12, bestScore: 0.8 },
  });
  d.onEvent({
    kind: "finished",
    spec: episodes[1]!,
    attempt: 1,
    outcome: {
      key: "k1",
      folder: episodes[1]!.folder,
      status: "completed",
      exitStatus: "submitted",
      bestScore: 0.8,
      steps: 4,
      costUsd: 0.2,
    },
  });
  d.onEvent({
    kind: "finished",
    spec: episodes[2]!,
    attempt: 2,
    outcome: {
      key: "k2",
      folder: episodes[2]!.folder,
      status: "infrastructure",
      infrastructureError: { kind: "api_unreachable", message: "down", step: 1 },
    },
  });
  d.onEvent({ kind: "failed", spec: episodes[2]!, reason: "api_unreachable: down" });
  d.onEvent({ kind: "budget", state: { limitUsd: 5, spentUsd: 0.2, reservedUsd: 0, exhausted: false } });
  assert.match(
    d.statusLine(),
    /^2\/4 done, 0 running, 1 failed, 1 queued \| cost 0\.2000 USD of 5\.00 USD \| \d+\.\d episodes\/min/,
  );
  const text = out.join("");
  // A log gets one plain line per event, never terminal control codes.
  assert.doesNotMatch(text, /\x1b\[/);
  assert.match(text, /mlgym: started +m1__a__\S+_run_1\n/);
  assert.match(text, /mlgym: completed m1__a__\S+_run_1: submitted, best 0\.8000, 4 steps, 0\.2000 USD\n/);
  assert.match(text, /mlgym: FAILED +m2__a__\S+_run_2: api_unreachable: down\n/);
});

test("on a terminal the block is redrawn in place, with a line per running episode", () => {
  const out: string[] = [];
  const d = new BatchDisplay(plan, { write: (t) => out.push(t), tty: true, width: 200 });
  d.onEvent({ kind: "planned", total: 4, complete: 0 });
  d.onEvent({ kind: "started", spec: episodes[0]!, attempt: 1, worker: "host-1" });
  d.onEvent({
    kind: "progress",
    progress: { key: "k0", step: 2, maxSteps: 10, costUsd: 0.05, bestScore: null },
  });
  d.end();
  const text = out.join("");
  // Each redraw moves up over the lines drawn before and clears them.
  assert.match(text, /\x1b\[2F\x1b\[J/);
  const last = text.slice(text.lastIndexOf("\x1b[J") + 3);
  assert.match(last, /^0\/4 done, 1 running, 0 failed, 3 queued/);
  assert.match(last, /\n {2}m1__a__\S+_run_0: step 2\/10, 0\.0500 USD \(host-1\)\n$/);
});

test("the summary table groups by model (as run folders name it) and task", () => {
  const outcomes = new Map<string, EpisodeRecord>([
    [
      "k0",
      {
        key: "k0",
        folder: episodes[0]!.folder,
        status: "completed",
        bestScore: 0.5,
        costUsd: 0.1,
        attempts: 1,
      },
    ],
    [
      "k1",
      {
        key: "k1",
        folder: episodes[1]!.folder,
        status: "completed",
        bestScore: 0.7,
        costUsd: 0.1,
        attempts: 1,
      },
    ],
    ["k2", { key: "k2", folder: episodes[2]!.folder, status: "infrastructure", attempts: 2 }],
  ]);
  const rows = summaryTable(plan, outcomes).trimEnd().split("\n");
  assert.equal(rows.length, 4);
  assert.match(rows[1]!, /^m1 +a +2\/2 +0 +0\.6000 +0\.2000$/);
  assert.match(rows[2]!, /^m2 +a +0\/1 +1 +- +0\.0000$/);
  assert.match(rows[3]!, /^m2 +b +0\/1 +0 +- +0\.0000$/);
});
