import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { MLGymServer } from "../../src/serve/server.js";
import { http, serveFixtures } from "./ws-client.js";

let server: MLGymServer;
let output: string;
const api = (method: string, path: string, body?: unknown) =>
  http(server.url, method, `/api/v1${path}`, body);

before(async () => {
  output = mkdtempSync(join(tmpdir(), "mlgym-serve-http-"));
  server = await serveFixtures(output, { maxEnvs: 3 });
});
after(async () => {
  await server.close();
  rmSync(output, { recursive: true, force: true });
});

test("tasks, create, reset, step, state, delete: the contract's happy path", async () => {
  const tasks = await api("GET", "/tasks");
  assert.equal(tasks.status, 200);
  assert.deepEqual(
    tasks.body.tasks.map((t: { id: string }) => t.id),
    ["tinyCsv", "tinyPython"],
  );
  assert.equal(tasks.body.tasks[0].name, "Tiny CSV classification");
  assert.match(tasks.body.tasks[0].description, /^Predict the label/);

  const created = await api("POST", "/envs", {
    task_id: "mlgym/tinyPython",
    max_steps: 5,
    policy_version: "ckpt-9",
  });
  assert.equal(created.status, 201);
  assert.equal(created.body.task_id, "tinyPython");
  const id = created.body.env_id as string;
  assert.deepEqual((await api("GET", `/envs/${id}/state`)).body, {
    env_id: id,
    task_id: "tinyPython",
    episode_id: null,
    step_count: 0,
    done: false,
    policy_version: "ckpt-9",
  });

  const reset = await api("POST", `/envs/${id}/reset`, { seed: 7, episode_id: "http-1" });
  assert.equal(reset.status, 200);
  assert.match(reset.body.observation, /^Edit guess\(\)/);
  assert.equal(reset.body.info.episode_id, "http-1");
  assert.equal(reset.body.info.seed, 7);
  assert.equal(reset.body.info.maxSteps, 5);

  const step = await api("POST", `/envs/${id}/step`, { action: "echo hello" });
  assert.deepEqual(
    { ...step.body, info: { ...step.body.info, executionTime: 0 } },
    {
      observation: "hello",
      reward: 0,
      terminated: false,
      truncated: false,
      info: { exitCode: 0, step: 1, scores: [], executionTime: 0 },
    },
  );
  // OpenEnv's spelling is accepted too.
  await api("POST", `/envs/${id}/step`, { command: "printf 'def guess():\\n    return 6\\n' > strategy.py" });
  const submit = await api("POST", `/envs/${id}/step`, { action: "submit" });
  assert.equal(submit.body.terminated, true);
  assert.deepEqual(submit.body.info.metrics, { Score: 9 });
  const state = await api("GET", `/envs/${id}/state`);
  assert.equal(state.body.done, true);
  assert.equal(state.body.step_count, 3);

  const ended = await api("POST", `/envs/${id}/step`, { action: "ls" });
  assert.equal(ended.status, 409);
  assert.equal(ended.body.error.code, "EPISODE_ENDED");

  assert.deepEqual(await api("DELETE", `/envs/${id}`), { status: 200, body: { closed: true } });
  const again = await api("DELETE", `/envs/${id}`);
  assert.equal(again.status, 404);
  assert.equal(again.body.error.code, "NOT_FOUND");

  const traj = JSON.parse(readFileSync(join(output, "tinyPython__http-1", "tinyPython.traj"), "utf8"));
  assert.equal(traj.info.exit_status, "submitted");
  assert.equal(traj.info.policy_version, "ckpt-9");
  assert.equal(traj.info.episode_id, "http-1");
  assert.equal(traj.trajectory.length, 3);
  const results = JSON.parse(readFileSync(join(output, "tinyPython__http-1", "results.json"), "utf8"));
  assert.deepEqual(results.agent, [{ Score: 9 }]);
});

test("errors follow the contract and the server keeps serving", async () => {
  const expect = async (
    method: string,
    path: string,
    body: unknown,
    status: number,
    code: string,
    message?: RegExp,
  ) => {
    const r = await api(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code);
    assert.equal(typeof r.body.error.message, "string");
    if (message) assert.match(r.body.error.message, message);
  };
  await expect("POST", "/envs", { task_id: "nope" }, 404, "NOT_FOUND", /served tasks: tinyCsv, tinyPython/);
  await expect("POST", "/envs", {}, 400, "VALIDATION_ERROR", /task_id is required/);
  await expect(
    "POST",
    "/envs",
    { task_id: "tinyCsv", max_step: 3 },
    400,
    "VALIDATION_ERROR",
    /max_step: unknown field.*allowed: task_id/,
  );
  await expect("POST", "/envs", { task_id: "tinyCsv", max_steps: 0 }, 400, "VALIDATION_ERROR", /max_steps/);
  await expect("POST", "/envs", "{bad json", 400, "VALIDATION_ERROR", /not valid JSON/);
  await expect("POST", "/envs/no-such-env/step", { action: "ls" }, 404, "NOT_FOUND");
  await expect("GET", "/envs/no-such-env/state", undefined, 404, "NOT_FOUND");
  await expect("GET", "/envs", undefined, 405, "VALIDATION_ERROR");

  const id = (await api("POST", "/envs", { task_id: "tinyCsv" })).body.env_id as string;
  await expect("POST", `/envs/${id}/step`, { action: "ls" }, 409, "EPISODE_ENDED", /reset first/);
  await expect("POST", `/envs/${id}/reset`, { seed: "1" }, 400, "VALIDATION_ERROR", /seed/);
  await expect("POST", `/envs/${id}/reset`, { task_id: "elsewhere" }, 404, "NOT_FOUND");
  assert.equal((await api("POST", `/envs/${id}/reset`, {})).status, 200);
  await expect(
    "POST",
    `/envs/${id}/step`,
    { action: "x".repeat(1024 * 1024) },
    400,
    "VALIDATION_ERROR",
    /characters/,
  );
  await expect(
    "POST",
    `/envs/${id}/step`,
    { action: 5 },
    400,
    "VALIDATION_ERROR",
    /action: expected a string/,
  );
  await expect("POST", `/envs/${id}/step`, { action: "ls", extra: true }, 400, "VALIDATION_ERROR", /extra/);
  assert.equal((await api("POST", `/envs/${id}/step`, { action: "echo alive" })).body.observation, "alive");

  // Over capacity (3 live environments at most).
  const more = [
    await api("POST", "/envs", { task_id: "tinyCsv" }),
    await api("POST", "/envs", { task_id: "tinyCsv" }),
  ];
  await expect("POST", "/envs", { task_id: "tinyCsv" }, 503, "CAPACITY_REACHED");
  for (const m of more) await api("DELETE", `/envs/${m.body.env_id}`);

  // MCP over HTTP drives the same environment by its id.
  const call = await http(server.url, "POST", "/mcp", {
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "bash", arguments: { command: "echo over-mcp" }, session_id: id },
  });
  assert.equal(call.status, 200);
  assert.equal(call.body.result.content[0].text, "over-mcp");
  const noSession = await http(server.url, "POST", "/mcp", {
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "bash", arguments: { command: "ls" } },
  });
  assert.equal(noSession.body.error.code, -32602);
  assert.equal((await api("GET", `/envs/${id}/state`)).body.step_count, 2);
  await api("DELETE", `/envs/${id}`);
  assert.equal((await http(server.url, "GET", "/health")).body.status, "healthy");
  assert.equal(server.manager.size, 0);
});
