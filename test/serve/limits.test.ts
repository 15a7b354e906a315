import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError } from "../../src/errors.js";
import type { ServeOptions } from "../../src/serve/server.js";
import { eventually, http, serveFixtures, WsClient } from "./ws-client.js";

const output = mkdtempSync(join(tmpdir(), "mlgym-serve-limits-"));
after(() => rmSync(output, { recursive: true, force: true }));

const serve = (options: Partial<ServeOptions> & { host?: string } = {}) =>
  serveFixtures(output, { tasks: ["tinyCsv"], ...options });

test("--max-envs: a connection over capacity gets CAPACITY_REACHED and is closed; a freed slot is reused", async () => {
  const server = await serve({ maxEnvs: 1 });
  try {
    const first = await WsClient.open(server.url);
    const second = await WsClient.open(server.url);
    const refused = await second.next();
    assert.equal(refused.type, "error");
    assert.equal(refused.data.code, "CAPACITY_REACHED");
    assert.equal(refused.data.active_sessions, 1);
    assert.equal(refused.data.max_sessions, 1);
    assert.equal((await second.closed).code, 1013);
    const created = await http(server.url, "POST", "/api/v1/envs", { task_id: "tinyCsv" });
    assert.equal(created.status, 503);
    assert.equal(created.body.error.code, "CAPACITY_REACHED");
    first.close();
    assert.ok(await eventually(() => server.manager.size === 0));
    const third = await WsClient.open(server.url);
    // Only the single served task: reset needs no task_id.
    const reset = await third.reset({ seed: 4 });
    assert.equal(reset.type, "observation");
    assert.equal(reset.data.observation.info.taskId, "tinyCsv");
    third.close();
  } finally {
    await server.close();
  }
});

test("idle sessions are closed after --idle-timeout, their trajectories written", async () => {
  const server = await serve({ idleTimeoutS: 1 });
  try {
    const c = await WsClient.open(server.url);
    await c.reset({ episode_id: "idle-ws" });
    await c.step("echo one");
    const created = await http(server.url, "POST", "/api/v1/envs", { task_id: "tinyCsv" });
    const id = created.body.env_id as string;
    await http(server.url, "POST", `/api/v1/envs/${id}/reset`, { episode_id: "idle-http" });
    const closed = await c.closed;
    assert.equal(closed.code, 4000);
    assert.match(closed.reason, /idle_timeout/);
    assert.ok(await eventually(() => server.manager.size === 0), `sessions: ${server.manager.size}`);
    assert.equal((await http(server.url, "GET", `/api/v1/envs/${id}/state`)).status, 404);
    for (const episode of ["idle-ws", "idle-http"]) {
      const traj = JSON.parse(readFileSync(join(output, `tinyCsv__${episode}`, "tinyCsv.traj"), "utf8"));
      assert.equal(traj.info.exit_status, "unfinished (idle_timeout)", episode);
    }
  } finally {
    await server.close();
  }
});

test("a step that outlasts its time limit is answered with an observation saying so", async () => {
  const server = await serve({ envOptions: { shortTimeoutS: 1 } });
  try {
    const c = await WsClient.open(server.url);
    await c.reset({});
    const started = Date.now();
    const reply = await c.step("echo started; sleep 20");
    assert.ok(Date.now() - started < 10_000);
    assert.equal(reply.type, "observation");
    assert.equal(reply.data.observation.info.timedOut, "total");
    assert.match(reply.data.observation.text, /started[\s\S]*TIMED OUT/);
    assert.equal(reply.data.done, false);
    assert.equal((await c.step("echo next")).data.observation.text, "next");
    c.close();
  } finally {
    await server.close();
  }
});

test("a host other than loopback needs a token; with one, requests without it are refused", async () => {
  await assert.rejects(
    serve({ host: "0.0.0.0" }),
    (e: unknown) => e instanceof ConfigError && /token is required.*0\.0\.0\.0/.test(e.message),
  );
  const server = await serve({ token: "s3cret" });
  try {
    assert.equal((await http(server.url, "GET", "/health")).status, 200);
    const denied = await http(server.url, "GET", "/api/v1/tasks");
    assert.equal(denied.status, 401);
    assert.equal(denied.body.error.code, "UNAUTHORIZED");
    assert.equal(
      (await http(server.url, "GET", "/api/v1/tasks", undefined, { authorization: "Bearer wrong" })).status,
      401,
    );
    const ok = await http(server.url, "GET", "/api/v1/tasks", undefined, { authorization: "Bearer s3cret" });
    assert.equal(ok.status, 200);
    assert.equal((await http(server.url, "POST", "/mcp", {})).status, 401);
    await assert.rejects(WsClient.open(server.url), /401/);
    const c = await WsClient.open(server.url, { authorization: "Bearer s3cret" });
    assert.equal((await c.request({ type: "state" })).type, "state");
    c.close();
  } finally {
    await server.close();
  }
});
