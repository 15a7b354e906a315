import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { MLGymServer } from "../../src/serve/server.js";
import { http, serveFixtures, WsClient } from "./ws-client.js";

let server: MLGymServer;
let output: string;
const api = (method: string, path: string, body?: unknown) =>
  http(server.url, method, `/api/v1${path}`, body);

before(async () => {
  output = mkdtempSync(join(tmpdir(), "mlgym-serve-snap-"));
  server = await serveFixtures(output, { maxEnvs: 4, maxSnapshots: 2 });
});
after(async () => {
  await server.close();
  rmSync(output, { recursive: true, force: true });
});

async function newEnv(body: Record<string, unknown> = {}): Promise<string> {
  const created = await api("POST", "/envs", { task_id: "tinyCsv", ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.env_id as string;
}

async function step(id: string, action: string): Promise<string> {
  const r = await api("POST", `/envs/${id}/step`, { action });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.observation as string;
}

test("HTTP: snapshot, fork into another env, branches stay apart, the fork's trajectory starts with the parent's steps", async () => {
  const parent = await newEnv({ policy_version: "p1" });
  assert.equal((await api("POST", `/envs/${parent}/reset`, { seed: 3, episode_id: "root" })).status, 200);
  await step(parent, "echo base > f.txt && V=base");
  const snap = await api("POST", `/envs/${parent}/snapshot`);
  assert.equal(snap.status, 201);
  assert.equal(snap.body.task_id, "tinyCsv");
  assert.equal(snap.body.episode_id, "root");
  assert.equal(snap.body.step, 1);
  const sid = snap.body.snapshot_id as string;
  assert.deepEqual(
    (await api("GET", "/snapshots")).body.snapshots.map((s: { snapshot_id: string }) => s.snapshot_id),
    [sid],
  );

  const child = await newEnv();
  const forked = await api("POST", `/envs/${child}/reset`, { snapshot_id: sid, episode_id: "branch-1" });
  assert.equal(forked.status, 200, JSON.stringify(forked.body));
  assert.deepEqual(forked.body.info.fromSnapshot, { id: sid, step: 1, shellRestored: true });
  assert.equal(forked.body.info.seed, 3);
  assert.equal((await api("GET", `/envs/${child}/state`)).body.step_count, 1);

  await step(parent, "echo parent >> f.txt && V=parent");
  await step(child, "echo child >> f.txt");
  assert.equal(await step(parent, "cat f.txt; echo $V"), "base\nparent\nparent");
  assert.equal(await step(child, "cat f.txt; echo $V"), "base\nchild\nbase");
  const done = await api("POST", `/envs/${child}/step`, { action: "submit" });
  assert.equal(done.body.truncated || done.body.terminated, true);

  const traj = JSON.parse(readFileSync(join(output, "tinyCsv__branch-1", "tinyCsv.traj"), "utf8"));
  assert.deepEqual(
    traj.trajectory.map((s: { action: string }) => s.action),
    ["echo base > f.txt && V=base", "echo child >> f.txt", "cat f.txt; echo $V", "submit"],
  );
  assert.deepEqual(traj.info.forked_from, { snapshot_id: sid, episode_id: "root", step: 1 });
  assert.equal(traj.info.episode_id, "branch-1");
  assert.match(traj.history[0].content, /^Predict the label/);
  await api("DELETE", `/envs/${child}`);
  await api("DELETE", `/envs/${parent}`);
  assert.equal((await api("DELETE", `/snapshots/${sid}`)).status, 200);
  assert.equal((await api("DELETE", `/snapshots/${sid}`)).status, 404);
});

test("HTTP: bad snapshot requests are errors and the server keeps serving", async () => {
  const id = await newEnv();
  const before = await api("POST", `/envs/${id}/snapshot`);
  assert.equal(before.status, 409, "no episode yet");
  assert.equal(before.body.error.code, "EPISODE_ENDED");
  const unknown = await api("POST", `/envs/${id}/reset`, { snapshot_id: "nope" });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, "NOT_FOUND");
  await api("POST", `/envs/${id}/reset`, {});
  const s1 = (await api("POST", `/envs/${id}/snapshot`)).body.snapshot_id as string;
  const wrongTask = await api("POST", `/envs/${id}/reset`, { snapshot_id: s1, task_id: "tinyPython" });
  assert.equal(wrongTask.status, 400);
  assert.match(wrongTask.body.error.message, /is of task 'tinyCsv'/);
  const s2 = await api("POST", `/envs/${id}/snapshot`);
  assert.equal(s2.status, 201);
  const full = await api("POST", `/envs/${id}/snapshot`);
  assert.equal(full.status, 503);
  assert.equal(full.body.error.code, "CAPACITY_REACHED");
  const extra = await api("POST", `/envs/${id}/snapshot`, { what: 1 });
  assert.equal(extra.status, 400);
  for (const s of [s1, s2.body.snapshot_id]) await api("DELETE", `/snapshots/${s}`);
  assert.equal((await api("POST", `/envs/${id}/step`, { action: "echo alive" })).body.observation, "alive");
  await api("DELETE", `/envs/${id}`);
});

test("WebSocket: a snapshot frame, then a reset with snapshot_id forks it; server shutdown deletes snapshots", async () => {
  const a = await WsClient.open(server.url);
  const b = await WsClient.open(server.url);
  try {
    await a.reset({ task_id: "tinyCsv" });
    await a.step("cd data && X=1");
    const snap = await a.request({ type: "snapshot", data: {} });
    assert.equal(snap.type, "snapshot", JSON.stringify(snap));
    assert.equal(snap.data.step, 1);
    const forked = await b.reset({ snapshot_id: snap.data.snapshot_id });
    assert.equal(forked.type, "observation", JSON.stringify(forked));
    assert.equal(forked.data.observation.info.fromSnapshot.step, 1);
    const pwd = await b.step("pwd; echo $X");
    assert.match(pwd.data.observation.text, /\/workspace\/data\n1$/);
    const dir = server.manager.snapshots.list()[0]!.homeCopy;
    assert.ok(existsSync(dir));
    a.close();
    b.close();
    await server.close();
    assert.ok(!existsSync(dir), "the server's shutdown deletes its snapshots");
  } finally {
    a.close();
    b.close();
  }
});
