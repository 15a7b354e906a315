import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { mlgym, mlgymProcess } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { http, WsClient } from "./ws-client.js";

const output = mkdtempSync(join(tmpdir(), "mlgym-serve-cli-"));
after(() => rmSync(output, { recursive: true, force: true }));

test("mlgym serve refuses a host other than loopback without a token, and an unknown --tasks id", () => {
  const open = mlgym(["serve", "--host", "0.0.0.0", "--port", "0"]);
  assert.equal(open.code, 2);
  assert.match(open.stderr, /ConfigError: --token: a token is required .*'0\.0\.0\.0'/);
  const unknown = mlgym(["serve", "--port", "0", "--tasks-dir", FIXTURE_TASKS, "--tasks", "tinyCsv,nope"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--tasks: unknown task 'nope'; available: .*tinyCsv/);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`on ${signal}, mlgym serve writes the trajectories of running episodes and exits 0`, async () => {
    const dir = join(output, signal);
    const server = mlgymProcess([
      "serve",
      "--port",
      "0",
      "--tasks-dir",
      FIXTURE_TASKS,
      "--tasks",
      "tinyCsv",
      "--output",
      dir,
    ]);
    const m = await server.waitFor(/listening on (http:\/\/[^\s]+)/);
    const url = m![1]!;
    assert.equal((await http(url, "GET", "/health")).body.status, "healthy");
    const c = await WsClient.open(url);
    await c.reset({ episode_id: `shut-${signal}`, policy_version: "v3" });
    await c.step("echo before shutdown");
    const running = c.step("sleep 30", 60_000).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    server.child.kill(signal);
    assert.equal(await server.exited, 0, server.out().stderr);
    assert.equal((await c.closed).code, 4000);
    await running;
    const traj = JSON.parse(readFileSync(join(dir, `tinyCsv__shut-${signal}`, "tinyCsv.traj"), "utf8"));
    assert.equal(traj.info.exit_status, "unfinished (shutdown)");
    assert.equal(traj.info.episode_id, `shut-${signal}`);
    assert.equal(traj.info.policy_version, "v3");
    assert.equal(traj.trajectory[0].observation, "before shutdown");
  });
}
