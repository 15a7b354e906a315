import assert from "node:assert/strict";
import { test } from "node:test";
import type { RunDetail } from "../../src/view/run-detail.js";
import type { RunRow } from "../../src/view/run-row.js";
import { startViewServer } from "../../src/view/server.js";

interface RunsAnswer {
  total: number;
  rows: Array<RunRow & { vsBaseline: number | null }>;
  facets: { tasks: string[]; statuses: string[] };
}

import { viewerFixture } from "./fixtures.js";

test("the runs API filters, sorts and describes runs; a run gives its trail and steps by range", async (t) => {
  const { root } = await viewerFixture();
  const server = await startViewServer({ root, cacheDir: null });
  t.after(() => server.close());
  // The first index runs in the background (a first page may show part of it); these checks want all of it.
  await server.index.refresh();
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(new URL(path, server.url));
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };
  const runs = (path: string) => get<RunsAnswer>(path);
  const all = await runs("/api/runs");
  assert.equal(all.total, 4);
  assert.deepEqual(all.facets.tasks, ["otherTask", "toyTask"]);
  assert.ok(all.facets.statuses.includes("running"));
  const toy = await runs("/api/runs?task=toyTask&sort=score&desc=1");
  assert.deepEqual(
    toy.rows.map((r) => r.model),
    ["modelA", "modelC", "modelB"],
  );
  assert.equal(toy.rows[0]?.vsBaseline, (0.8 - 0.5) / 0.5);
  const flagged = await runs("/api/runs?flag=flagged");
  assert.deepEqual(
    flagged.rows.map((r) => r.id),
    ["modelA__otherTask__default_run_0"],
  );
  assert.equal((await runs("/api/runs?q=modelb%20toy")).total, 1);
  const id = "modelA__toyTask__default_run_0";
  const run = await get<RunDetail>(`/api/run?id=${id}`);
  assert.deepEqual(run.trail, [
    { attempt: 1, step: 3, value: 0.6 },
    { attempt: 2, step: 5, value: 0.8 },
  ]);
  assert.equal(run.requeries, 2);
  assert.equal(run.requeriesUnplaced, 0);
  assert.deepEqual(run.outline[1], { action: "cat train.py", requeries: 2, recorded: true });
  assert.equal(run.row.exitStatus, "submitted");
  const steps = await get<{ steps: Array<{ action: string }> }>(`/api/steps?id=${id}&from=4&to=10`);
  assert.deepEqual(
    steps.steps.map((s) => s.action),
    ["python train.py", "submit"],
  );
  const missing = await fetch(new URL("/api/run?id=../etc", server.url));
  assert.equal(missing.status, 404);
});

test("with a token, requests without it are refused and the token URL sets a cookie", async (t) => {
  const { root } = await viewerFixture();
  const server = await startViewServer({ root, cacheDir: null, token: "s3cret" });
  t.after(() => server.close());
  const base = server.url.replace(/\?.*$/, "");
  assert.equal((await fetch(new URL("/api/runs", base))).status, 401);
  assert.equal((await fetch(new URL("/api/runs?token=wrong", base))).status, 401);
  const page = await fetch(server.url);
  assert.equal(page.status, 200);
  const cookie = page.headers.get("set-cookie")?.split(";")[0] ?? "";
  assert.equal((await fetch(new URL("/api/runs", base), { headers: { cookie } })).status, 200);
  assert.equal(
    (await fetch(new URL("/api/runs", base), { headers: { authorization: "Bearer s3cret" } })).status,
    200,
  );
});
