import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import type { MLGymServer } from "../../src/serve/server.js";
import { eventually, http, processesWith, serveFixtures, WsClient } from "./ws-client.js";

let server: MLGymServer;
let output: string;

before(async () => {
  output = mkdtempSync(join(tmpdir(), "mlgym-serve-"));
  server = await serveFixtures(output, { maxEnvs: 6 });
});
after(async () => {
  await server.close();
  rmSync(output, { recursive: true, force: true });
});

// Each test starts with no session left from the one before.
afterEach(async () => {
  assert.ok(await eventually(() => server.manager.size === 0), `sessions left: ${server.manager.size}`);
});

function readTraj(task: string, episode: string) {
  return JSON.parse(readFileSync(join(output, `${task}__${episode}`, `${task}.traj`), "utf8"));
}

describe("OpenEnv's validator rules (openenv validate --url)", () => {
  test("openapi version, health, metadata, schema, POST /mcp {} and the simulation paths", async () => {
    const openapi = await http(server.url, "GET", "/openapi.json");
    assert.equal(openapi.status, 200);
    assert.equal(typeof openapi.body.info.version, "string");
    assert.equal(openapi.body.info.version, "1.0.0");
    const stateless = ["/reset", "/step", "/state"].filter((p) => p in openapi.body.paths);
    assert.ok(stateless.length === 0 || stateless.length === 3, `partial stateless paths: ${stateless}`);
    assert.ok("/api/v1/envs/{env_id}/step" in openapi.body.paths);

    assert.deepEqual(await http(server.url, "GET", "/health"), { status: 200, body: { status: "healthy" } });
    const meta = await http(server.url, "GET", "/metadata");
    assert.equal(meta.status, 200);
    assert.equal(typeof meta.body.name, "string");
    assert.equal(typeof meta.body.description, "string");
    assert.match(meta.body.description, /tinyCsv, tinyPython/);

    const schema = await http(server.url, "GET", "/schema");
    for (const key of ["action", "observation", "state"]) {
      assert.equal(typeof schema.body[key], "object", key);
      assert.notEqual(schema.body[key], null, key);
    }
    assert.deepEqual(schema.body.action.required, ["command"]);
    assert.equal(schema.body.action.additionalProperties, false);

    const mcp = await http(server.url, "POST", "/mcp", {});
    assert.equal(mcp.status, 200);
    assert.equal(mcp.body.jsonrpc, "2.0");
    assert.equal(mcp.body.error.code, -32600);
  });
});

describe("WebSocket episodes", () => {
  test("4 clients play episodes to the end at once, isolated from each other, each recorded", async () => {
    const clients = await Promise.all([0, 1, 2, 3].map(() => WsClient.open(server.url)));
    await eventually(() => server.manager.size === 4);
    const results = await Promise.all(
      clients.map(async (c, i) => {
        const reset = await c.reset({
          task_id: "tinyCsv",
          seed: i,
          episode_id: `iso-${i}`,
          max_steps: 4,
          policy_version: `v${i}`,
        });
        assert.equal(reset.type, "observation");
        assert.equal(reset.data.done, false);
        assert.match(reset.data.observation.text, /^Predict the label/);
        assert.equal(reset.data.observation.info.episode_id, `iso-${i}`);
        assert.equal(reset.data.observation.info.seed, i);
        const wrote = await c.step(`echo ${i} > mine-${i}.txt`);
        assert.equal(wrote.data.observation.info.exitCode, 0);
        const ls = await c.step("ls mine-*.txt");
        const state = await c.request({ type: "state" });
        // The last allowed step runs, then the episode ends with an autosubmission (no submission: not found).
        await c.step("true");
        const last = await c.step("cat mine-*.txt");
        const after = await c.step("true");
        return { ls, state, last, after };
      }),
    );
    results.forEach(({ ls, state, last, after }, i) => {
      assert.equal(ls.data.observation.text, `mine-${i}.txt`);
      assert.deepEqual(
        { ...state.data },
        {
          task_id: "tinyCsv",
          episode_id: `iso-${i}`,
          step_count: 2,
          done: false,
          policy_version: `v${i}`,
          max_steps: 4,
        },
      );
      assert.equal(last.data.observation.text, String(i));
      assert.equal(last.data.done, true);
      assert.equal(last.data.observation.truncated, true);
      assert.equal(last.data.observation.terminated, false);
      assert.equal(last.data.observation.info.exitStatus, "submission_not_found (max_steps)");
      assert.equal(typeof last.data.reward, "number");
      assert.equal(after.type, "error");
      assert.equal(after.data.code, "EXECUTION_ERROR");
      assert.match(after.data.message, /has ended/);
      const traj = readTraj("tinyCsv", `iso-${i}`);
      assert.equal(traj.info.exit_status, "submission_not_found (max_steps)");
      assert.equal(traj.info.policy_version, `v${i}`);
      assert.equal(traj.info.episode_id, `iso-${i}`);
      assert.deepEqual(
        traj.trajectory.map((s: { action: string }) => s.action),
        [`echo ${i} > mine-${i}.txt`, "ls mine-*.txt", "true", "cat mine-*.txt"],
      );
      const results = JSON.parse(readFileSync(join(output, `tinyCsv__iso-${i}`, "results.json"), "utf8"));
      assert.deepEqual(results, { agent: [], baseline: { accuracy: 0.6 } });
    });
    for (const c of clients) c.close();
    assert.ok(await eventually(() => server.manager.size === 0), `sessions left: ${server.manager.size}`);
  });

  test("a submission is evaluated: metrics in observation.info, terminated, done", async () => {
    const c = await WsClient.open(server.url);
    await c.reset({ task_id: "tinyPython", episode_id: "submit-1" });
    await c.step("printf 'def guess():\\n    return 7\\n' > strategy.py");
    const validated = await c.step("validate");
    assert.equal(validated.data.done, false);
    assert.deepEqual(validated.data.observation.info.metrics, { Score: 10 });
    const submitted = await c.step("submit");
    assert.equal(submitted.data.done, true);
    assert.equal(submitted.data.observation.terminated, true);
    assert.equal(submitted.data.observation.info.exitStatus, "submitted");
    const traj = readTraj("tinyPython", "submit-1");
    assert.equal(traj.info.exit_status, "submitted");
    assert.deepEqual(traj.info.score, [{ Score: 10 }, { Score: 10 }]);
    c.close();
  });

  test("a long step blocks neither the server nor other sessions", async () => {
    const slow = await WsClient.open(server.url);
    const fast = await WsClient.open(server.url);
    await Promise.all([slow.reset({ task_id: "tinyCsv" }), fast.reset({ task_id: "tinyCsv" })]);
    const started = Date.now();
    const sleeping = slow.step("sleep 5; echo woke", 30_000);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    assert.equal((await http(server.url, "GET", "/health")).status, 200);
    const healthMs = Date.now() - t0;
    const t1 = Date.now();
    for (let i = 0; i < 5; i++) assert.equal((await fast.step(`echo ${i}`)).data.observation.text, String(i));
    const stepsMs = Date.now() - t1;
    const pong = new Promise<number>((resolve) => {
      const t = Date.now();
      slow.socket.once("pong", () => resolve(Date.now() - t));
      slow.socket.ping();
    });
    const pongMs = await pong;
    assert.ok(healthMs < 1000, `health took ${healthMs} ms`);
    assert.ok(stepsMs < 2500, `5 steps took ${stepsMs} ms`);
    assert.ok(pongMs < 1000, `pong took ${pongMs} ms`);
    const woke = await sleeping;
    assert.equal(woke.data.observation.text, "woke");
    assert.ok(Date.now() - started >= 5000);
    slow.close();
    fast.close();
  });

  test("a client that disconnects mid-step has its sandbox reclaimed and its trajectory written", async () => {
    const c = await WsClient.open(server.url);
    await c.reset({ task_id: "tinyCsv", episode_id: "gone-1", policy_version: "p-gone" });
    const before = server.manager.size;
    c.send({ type: "step", data: { command: "sleep 31.337" } });
    assert.ok(await eventually(() => processesWith("sleep 31.337").length > 0), "the command never started");
    c.socket.terminate();
    assert.ok(
      await eventually(() => processesWith("sleep 31.337").length === 0),
      "the sandbox's processes survived",
    );
    assert.ok(await eventually(() => server.manager.size === before - 1), `sessions: ${server.manager.size}`);
    const traj = readTraj("tinyCsv", "gone-1");
    assert.equal(traj.info.exit_status, "unfinished (disconnect)");
    assert.equal(traj.info.policy_version, "p-gone");
    assert.equal(traj.info.episode_id, "gone-1");
  });

  test("reset is idempotent: a fresh workspace with the tools every time", async () => {
    const c = await WsClient.open(server.url);
    await c.reset({ task_id: "tinyCsv", episode_id: "again-1" });
    await c.step("echo junk > junk.txt; mkdir -p /tmp/elsewhere; cd /tmp/elsewhere; unset -f open");
    await c.reset({});
    const second = await c.reset({ episode_id: "again-2" });
    assert.equal(second.data.observation.info.taskId, "tinyCsv");
    assert.equal((await c.step("ls")).data.observation.text, "baseline.py\ndata\nevaluate.py");
    assert.equal((await c.step("pwd")).data.observation.text, second.data.observation.info.workspace);
    const open = await c.step("open evaluate.py");
    assert.match(open.data.observation.text, /\[File: .*evaluate\.py/);
    // The episode the reset abandoned is recorded as such.
    assert.equal(readTraj("tinyCsv", "again-1").info.exit_status, "unfinished (reset)");
    c.close();
  });

  test("max_observation_chars caps what a step returns", async () => {
    const c = await WsClient.open(server.url);
    await c.reset({ task_id: "tinyCsv", max_observation_chars: 300 });
    const big = await c.step("python3 -c \"print('x' * 20000)\"");
    assert.ok(big.data.observation.text.length < 1000, `${big.data.observation.text.length} chars`);
    assert.ok(big.data.observation.text.length > 100);
    c.close();
  });

  test("bad frames get errors and the session keeps serving", async () => {
    const c = await WsClient.open(server.url);
    const expectError = async (frame: unknown, code: string, message?: RegExp) => {
      const reply = await c.request(frame);
      assert.equal(reply.type, "error", JSON.stringify(frame).slice(0, 80));
      assert.equal(reply.data.code, code, reply.data.message);
      if (message) assert.match(reply.data.message, message);
    };
    await expectError("{not json", "INVALID_JSON");
    await expectError({ type: "dance" }, "UNKNOWN_TYPE", /unknown message type 'dance'/);
    await expectError({ type: "step", data: { command: "ls" }, extra: 1 }, "VALIDATION_ERROR", /extra/);
    await expectError({ type: "step", data: { command: "ls" } }, "EXECUTION_ERROR", /reset first/);
    await expectError(
      { type: "reset", data: { task_id: "nope" } },
      "VALIDATION_ERROR",
      /served tasks: tinyCsv, tinyPython/,
    );
    await expectError({ type: "reset", data: {} }, "VALIDATION_ERROR", /task_id is required/);
    await expectError({ type: "reset", data: { task_id: "tinyCsv", seed: -1 } }, "VALIDATION_ERROR", /seed/);
    await c.reset({ task_id: "tinyCsv" });
    await expectError({ type: "step", data: {} }, "VALIDATION_ERROR", /command/);
    await expectError({ type: "step", data: { command: "ls", cmd: 1 } }, "VALIDATION_ERROR", /cmd/);
    await expectError(
      { type: "step", data: { command: "x".repeat(1024 * 1024) } },
      "VALIDATION_ERROR",
      /1048576 characters/,
    );
    const ok = await c.step("echo still here");
    assert.equal(ok.data.observation.text, "still here");
    assert.equal((await c.request({ type: "state" })).data.step_count, 1);
    c.close();
  });

  test("mcp frames list the agent's tools and call them one by one", async () => {
    const c = await WsClient.open(server.url);
    await c.reset({ task_id: "tinyCsv" });
    const rpc = (id: number, method: string, params: unknown = {}) =>
      c.request({ type: "mcp", data: { jsonrpc: "2.0", id, method, params } });
    const init = await rpc(1, "initialize", { protocolVersion: "2025-06-18" });
    assert.equal(init.data.result.serverInfo.name, "mlgym");
    const list = await rpc(2, "tools/list");
    const names = list.data.result.tools.map((t: { name: string }) => t.name);
    for (const name of ["bash", "open", "edit", "validate", "submit"]) assert.ok(names.includes(name), name);
    const bash = await rpc(3, "tools/call", { name: "bash", arguments: { command: "echo via-mcp" } });
    assert.equal(bash.type, "mcp");
    assert.deepEqual(bash.data.result.content, [{ type: "text", text: "via-mcp" }]);
    assert.equal(bash.data.result.structuredContent.done, false);
    const open = await rpc(4, "tools/call", { name: "open", arguments: { path: "evaluate.py" } });
    assert.match(open.data.result.content[0].text, /evaluate\.py/);
    const unknown = await rpc(5, "tools/call", { name: "rm_rf", arguments: {} });
    assert.equal(unknown.data.error.code, -32602);
    assert.equal((await rpc(6, "no/such")).data.error.code, -32601);
    assert.equal((await c.request({ type: "state" })).data.step_count, 2);
    c.close();
  });

  test("OpenEnv's MCPToolClient action shapes in steps: list_tools and call_tool", async () => {
    const c = await WsClient.open(server.url);
    await c.reset({ task_id: "tinyCsv" });
    const step = (data: unknown) => c.request({ type: "step", data });
    const list = await step({ type: "list_tools" });
    assert.equal(list.type, "observation");
    const tools = list.data.observation.tools as Array<{ name: string; input_schema: { type: string } }>;
    assert.ok(tools.some((t) => t.name === "bash" && t.input_schema.type === "object"));
    assert.equal(list.data.done, false);
    const bash = await step({
      type: "call_tool",
      tool_name: "bash",
      arguments: { command: "echo via-step" },
    });
    assert.equal(bash.data.observation.tool_name, "bash");
    assert.equal(bash.data.observation.error, null);
    assert.deepEqual(bash.data.observation.result.content, [{ type: "text", text: "via-step" }]);
    assert.equal(bash.data.done, false);
    const unknown = await step({ type: "call_tool", tool_name: "rm_rf", arguments: {} });
    assert.equal(unknown.data.observation.error.error_type, "tool_not_found");
    const bad = await step({ type: "call_tool", tool_name: "bash", arguments: {}, extra: 1 });
    assert.equal(bad.data.code, "VALIDATION_ERROR");
    const submit = await step({ type: "call_tool", tool_name: "submit", arguments: {} });
    assert.equal(submit.data.done, true);
    assert.equal(submit.data.observation.result.structuredContent.terminated, true);
    const after = await step({ type: "call_tool", tool_name: "bash", arguments: { command: "ls" } });
    assert.equal(after.data.observation.error.error_type, "execution_error");
    assert.equal((await c.request({ type: "state" })).data.step_count, 2, "list_tools is no step");
    c.close();
  });
});

test("MCP over HTTP: a session without a task uses --default-task, and without one it is refused up front", async () => {
  const rpc = (base: string, method: string, params: unknown = {}) =>
    http(base, "POST", "/mcp", { jsonrpc: "2.0", id: 1, method, params });
  const refusedCreate = await rpc(server.url, "openenv/session/create");
  assert.equal(refusedCreate.body.error.code, -32602);
  assert.match(
    refusedCreate.body.error.message,
    /task_id is required \(or a server started with --default-task\)/,
  );
  const out = mkdtempSync(join(tmpdir(), "mlgym-serve-default-"));
  const withDefault = await serveFixtures(out, { defaultTask: "mlgym/tinyPython" });
  try {
    const created = await rpc(withDefault.url, "openenv/session/create");
    const session = created.body.result.session_id as string;
    const ls = await rpc(withDefault.url, "tools/call", {
      session_id: session,
      name: "bash",
      arguments: { command: "ls" },
    });
    assert.deepEqual(ls.body.result.content, [{ type: "text", text: "evaluate.py\nstrategy.py" }]);
    await rpc(withDefault.url, "openenv/session/close", { session_id: session });
  } finally {
    await withDefault.close();
    rmSync(out, { recursive: true, force: true });
  }
  await assert.rejects(
    serveFixtures(out, { defaultTask: "noSuchTask" }),
    /'noSuchTask' is not a served task/,
  );
});
