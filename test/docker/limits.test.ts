// The limits of the container backends (docker, podman), each by its real effect inside the container.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { containerBackends, type TempSandbox, tempSandbox } from "../helpers/sandboxes.js";

for (const engine of containerBackends()) {
  describe(`limits: ${engine.name}`, { skip: engine.skip }, () => {
    let box: TempSandbox;
    before(async () => {
      box = await tempSandbox(engine.name, {
        limits: { cpuSeconds: 1, tmpMb: 4, diskMb: 8, maxProcesses: 64 },
      });
    });
    after(() => box.dispose());

    test("no network but loopback", async () => {
      const r = await box.sandbox.exec("ls /sys/class/net");
      assert.equal(r.stdout, "lo\n");
    });

    test("/tmp and /dev/shm hold tmpMb each (below the file size cap of diskMb)", async () => {
      for (const dir of ["/tmp", "/dev/shm"]) {
        const r = await box.sandbox.exec(
          `dd if=/dev/zero of=${dir}/big bs=1M count=20 2>&1; rm -f ${dir}/big`,
        );
        assert.match(r.stdout, /No space left on device/, dir);
      }
    });

    test("a process past its CPU time is killed", async () => {
      const r = await box.sandbox.exec("while :; do :; done", { timeoutMs: 20_000 });
      assert.equal(r.timedOut, false);
      // SIGXCPU at the soft limit, SIGKILL at the hard one (both are cpuSeconds).
      assert.ok(r.exitCode === 128 + 24 || r.exitCode === 128 + 9, `exit ${r.exitCode}`);
    });

    test("the home holds no more than diskMb", async () => {
      const r = await box.sandbox.exec(
        "dd if=/dev/zero of=big bs=1M count=20 2>&1; stat -c %s big; rm -f big",
      );
      assert.match(r.stdout, /File too large|No space left on device/);
      assert.ok(Number(r.stdout.trim().split("\n").at(-1)) <= 8 * 1024 * 1024, r.stdout);
    });
  });
}
