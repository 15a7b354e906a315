import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runRequeries } from "../../src/view/requeries.js";
import type { RunDetail } from "../../src/view/run-detail.js";
import { startViewServer } from "../../src/view/server.js";

const reference = "/work/shared/reference/mlgym-trajectories";
const noReference = !existsSync(reference) && "the original's trajectories are not in ../shared/reference";

const step = (action: string, requeries = 0, recorded = false) => ({ action, requeries, recorded });

test("re-queries not placed at a step are the API calls beyond what the steps account for", () => {
  const cases: Array<[string, Parameters<typeof runRequeries>, { total: number; unplaced: number }]> = [
    ["one call per answered step", [[step("ls"), step("submit")], 2], { total: 0, unplaced: 0 }],
    ["a call refused once", [[step("ls"), step("submit")], 3], { total: 1, unplaced: 1 }],
    [
      "exit_format: three refused answers, four calls",
      [[step("ls"), step("exit_format", 3)], 5],
      { total: 3, unplaced: 0 },
    ],
    [
      "exit_format after an unplaced re-query",
      [[step("ls"), step("exit_format", 3)], 6],
      { total: 4, unplaced: 1 },
    ],
    [
      "exit_context: its failing call is not counted",
      [[step("ls"), step("exit_context")], 1],
      { total: 0, unplaced: 0 },
    ],
    ["exit_context during a re-query", [[step("ls"), step("exit_context")], 3], { total: 2, unplaced: 2 }],
    [
      "exit_cost: the call over the limit is counted",
      [[step("ls"), step("exit_cost")], 2],
      { total: 0, unplaced: 0 },
    ],
    [
      "fewer calls than steps (ours, a refused reservation)",
      [[step("ls"), step("exit_cost")], 1],
      { total: 0, unplaced: 0 },
    ],
    [
      "steps that record their re-queries are complete",
      [[step("ls", 2, true), step("submit")], 9],
      { total: 2, unplaced: 0 },
    ],
    ["no API call count", [[step("ls"), step("exit_format", 3)], undefined], { total: 3, unplaced: 0 }],
  ];
  for (const [name, args, expected] of cases) assert.deepEqual(runRequeries(...args), expected, name);
});

async function runPage(root: string, id: string): Promise<RunDetail> {
  const server = await startViewServer({ root, cacheDir: null });
  try {
    await server.index.refresh();
    const res = await fetch(new URL(`/api/run?id=${encodeURIComponent(id)}`, server.url));
    assert.equal(res.status, 200);
    return (await res.json()) as RunDetail;
  } finally {
    await server.close();
  }
}

test("the original's trajectories: a re-query is counted from the API calls", {
  skip: noReference,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), "mlgym-view-original-"));
  const expected: Record<string, { steps: number; requeries: number }> = {
    // 17 steps, 18 API calls: one answer was refused and asked again; the file keeps only the accepted one.
    battleOfSexes: { steps: 17, requeries: 1 },
    "3SATTime": { steps: 43, requeries: 0 },
  };
  const ids: Record<string, string> = {};
  for (const name of readdirSync(reference)) {
    const task = name.split("__")[1] ?? "";
    if (!(task in expected)) continue;
    mkdirSync(join(root, name));
    for (const file of ["results.json", `${task}.traj`])
      copyFileSync(join(reference, name, file), join(root, name, file));
    ids[task] = name;
  }
  for (const [task, want] of Object.entries(expected)) {
    const detail = await runPage(root, ids[task] ?? "");
    assert.equal(detail.outline.length, want.steps, task);
    assert.equal(detail.row.apiCalls, want.steps + want.requeries, task);
    assert.deepEqual(
      detail.outline.filter((s) => s.requeries > 0),
      [],
      task,
    );
    assert.equal(detail.requeries, want.requeries, task);
    assert.equal(detail.requeriesUnplaced, want.requeries, task);
  }
});

test("an original trajectory that ends with exit_format counts its three format errors at that step", async () => {
  // The original's exact layout (json.dump, indent 2; its step and history keys): one re-query that no step records
  // at step 1, then three refused answers and the format-error exit at step 2 (four calls).
  const malformed = "DISCUSSION\nTwo commands at once.\n```\nls\n```\n```\npwd\n```";
  const state = '{"open_file": "n/a", "working_dir": "/home/agent/workspace"}';
  const document = {
    environment: "mlgym_main",
    trajectory: [
      {
        action: "ls\n",
        observation: "evaluate.py*\nstrategy.py\ntarget.py",
        response: "DISCUSSION\nLook around.\n\n```\nls\n```",
        state,
        thought: "DISCUSSION\nLook around.\n\n",
        execution_time: 0.31,
      },
      {
        action: "exit_format",
        observation: "Exited (exit_format)",
        response: malformed,
        state,
        thought: "Exit due to format error",
        execution_time: 2.5,
      },
    ],
    history: [
      { role: "system", content: "SETTING: ...", agent: "primary_0" },
      { role: "user", content: "We're currently solving the following task. ...", agent: "primary_0" },
      {
        role: "assistant",
        content: "DISCUSSION\nLook around.\n\n```\nls\n```",
        thought: "DISCUSSION\nLook around.\n\n",
        action: "ls\n",
        agent: "primary_0",
      },
      {
        role: "user",
        content: "evaluate.py*\nstrategy.py\ntarget.py\n(Current Step: 1, ...)",
        agent: "primary_0",
      },
      {
        role: "assistant",
        content: malformed,
        thought: "Exit due to format error",
        action: "exit_format",
        agent: "primary_0",
      },
    ],
    info: {
      model_stats: {
        total_cost: 0.01,
        task_cost: 0.01,
        tokens_sent: 9000,
        tokens_received: 300,
        api_calls: 6,
      },
      exit_status: "submission_not_found (exit_format)",
      submission: null,
      score: [],
      summarizer: {},
    },
  };
  const root = mkdtempSync(join(tmpdir(), "mlgym-view-original-"));
  const id = "metagen-gpt-4o__blotto__default__t-0.00__p-0.95__c-4.00__install-0__parallel_agents_run_0";
  mkdirSync(join(root, id));
  writeFileSync(join(root, id, "blotto.traj"), JSON.stringify(document, null, 2));
  writeFileSync(
    join(root, id, "results.json"),
    JSON.stringify({ agent: [], baseline: { Score: -0.25 } }, null, 2),
  );
  const detail = await runPage(root, id);
  assert.deepEqual(
    detail.outline.map((s) => [s.action, s.requeries]),
    [
      ["ls", 0],
      ["exit_format", 3],
    ],
  );
  assert.equal(detail.requeries, 4);
  assert.equal(detail.requeriesUnplaced, 1);
});
