// How the container backends find a container's processes (to sweep them after a timeout): by the PID namespace of
// the container's init, read from /proc, never a host process, and nothing once the container is gone.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { containerProcesses } from "../../src/sandbox/container-engine.js";
import { containerBackends, tempSandbox } from "../helpers/sandboxes.js";

/** The pids a process has in each nested PID namespace, outermost first. */
function nsPids(hostPid: number): number[] {
  const line = /^NSpid:\s*(.+)$/m.exec(readFileSync(`/proc/${hostPid}/status`, "utf8"))?.[1] ?? "";
  return line.trim().split(/\s+/).map(Number);
}

for (const engine of containerBackends())
  describe(`the processes of a ${engine.name} container`, { skip: engine.skip }, () => {
    test("are the container's own, found while it is paused, and none once it is removed", {
      timeout: 120_000,
    }, async () => {
      const box = await tempSandbox(engine.name);
      const { name } = box.sandbox as unknown as { name: string };
      try {
        await box.sandbox.exec("sleep 300 >/dev/null 2>&1 & echo started");
        const running = await containerProcesses(engine.name, name);
        assert.ok(running.length >= 3, JSON.stringify(running)); // init, its main process, the sleep
        for (const p of running) {
          assert.notEqual(p.hostPid, process.pid);
          const pids = nsPids(p.hostPid);
          assert.ok(pids.length >= 2, `host pid ${p.hostPid} is in a PID namespace of its own`);
          assert.equal(pids.at(-1), p.pid);
        }
        assert.ok(
          running.some((p) => p.pid === 1),
          "the init is pid 1 inside",
        );
        const paused = spawnSync(engine.name, ["pause", name], { encoding: "utf8" });
        assert.equal(paused.status, 0, paused.stderr);
        try {
          const whilePaused = await containerProcesses(engine.name, name);
          assert.deepEqual(whilePaused.map((p) => p.hostPid).sort(), running.map((p) => p.hostPid).sort());
        } finally {
          spawnSync(engine.name, ["unpause", name]);
        }
      } finally {
        await box.dispose();
      }
      assert.deepEqual(await containerProcesses(engine.name, name), []);
    });
  });
