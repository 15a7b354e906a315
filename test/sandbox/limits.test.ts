import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { loadTaskSpec } from "../../src/config/load-task.js";
import { make } from "../../src/env/make.js";
import { cgroupSupport } from "../../src/sandbox/cgroup.js";
import { diskQuotaSupport } from "../../src/sandbox/disk-quota.js";
import { DEFAULT_LIMITS, episodeLimits, mergeLimits } from "../../src/sandbox/limits.js";
import type { SandboxLimits } from "../../src/sandbox/sandbox.js";
import { tmpfsSizeSupport } from "../../src/sandbox/tmpfs-size.js";
import { ShellSession } from "../../src/shell/shell-session.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { backendsUnderTest, type TempSandbox, tempSandbox } from "../helpers/sandboxes.js";
import { CPU_TASKS, taskYaml } from "../tasks/catalogue.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** "next", then a one-digit count of the processes left in the sandbox, then maybe a note (a shell restarted). */
const NEXT_FEW = /(^|\n)next\n[1-9](\n|$)/;
/** The YAML name of a limit: memoryMb -> memory_mb. */
const yamlName = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** KiB the files under `dir` take on the host's disk (not counting what is mounted inside: the quota image is). */
const hostKib = (dir: string) =>
  Number(execFileSync("du", ["-skx", dir], { encoding: "utf8" }).split("\t")[0]);

test("limits merge field by field: defaults, then the task's, then the caller's; undefined overrides nothing", () => {
  assert.deepEqual(mergeLimits({ memoryMb: 1, cpus: 2 }, { memoryMb: 3, cpus: undefined }, undefined), {
    memoryMb: 3,
    cpus: 2,
  });
  assert.deepEqual(episodeLimits({}), DEFAULT_LIMITS);
  const task = episodeLimits({ memoryMb: 6144, cpus: 4 }, { diskMb: 64 });
  assert.deepEqual(task, { ...DEFAULT_LIMITS, memoryMb: 6144, cpus: 4, diskMb: 64 });
  for (const value of Object.values(DEFAULT_LIMITS)) assert.ok(value > 0);
});

test("every built-in task declares every limit, within what its machine class allows", () => {
  const fields = Object.keys(DEFAULT_LIMITS).map(yamlName);
  assert.deepEqual(fields.sort(), ["cpu_seconds", "cpus", "disk_mb", "max_processes", "memory_mb", "tmp_mb"]);
  for (const { id } of CPU_TASKS) {
    const { config } = loadTaskSpec(taskYaml(id));
    const declared = config.limits as Record<string, number | undefined>;
    for (const f of fields) assert.equal(typeof declared[f], "number", `${id}: limits.${f} is missing`);
    // /tmp is memory: it must leave room for the processes under the memory cap.
    assert.ok(declared.tmp_mb! <= declared.memory_mb! / 2, `${id}: tmp_mb takes half the memory or more`);
    // A training run of training_timeout seconds on all its cores must fit one process's CPU time.
    const timeout = config.training_timeout ?? 3600;
    assert.ok(
      declared.cpu_seconds! >= timeout * declared.cpus!,
      `${id}: cpu_seconds < training_timeout x cpus`,
    );
  }
});

for (const { name, skip } of backendsUnderTest().filter((b) => b.name === "bwrap")) {
  describe(`limits: ${name}`, { skip }, () => {
    const small: SandboxLimits = {
      memoryMb: 256,
      maxProcesses: 64,
      cpuSeconds: 1,
      cpus: 0.5,
      diskMb: 64,
      tmpMb: 16,
    };
    let box: TempSandbox;
    let shell: ShellSession;
    const run = (command: string, timeoutS = 20) => shell.run(command, { timeoutS });
    before(async () => {
      box = await tempSandbox(name, { limits: small });
      shell = await ShellSession.start(box.sandbox);
    });
    after(async () => {
      await shell.close();
      await box.dispose();
    });

    test("a memory hog is killed at the memory cap and the next command works", async () => {
      const r = await run(`python3 -c "x = b'x' * (1024 * 1024 * 1024); print('allocated')"`);
      assert.doesNotMatch(r.output, /^allocated$/m);
      assert.notEqual(r.exitCode, 0);
      assert.equal((await run("echo next")).output, "next");
    });

    test("a disk filler stops at the home's quota, the host holds no more, and the next command works", async () => {
      const r = await run("dd if=/dev/zero of=big bs=1M count=200 2>&1; stat -c %s big");
      // A quota filesystem answers ENOSPC; without one the file-size rlimit stops the single file.
      assert.match(r.output, /No space left on device|File size limit exceeded/);
      const size = Number(/^(\d+)$/m.exec(r.output)?.[1]);
      assert.ok(size <= 64 * 1024 * 1024, `big is ${size} bytes`);
      assert.ok(hostKib(box.root) < 80 * 1024, `the episode folder takes ${hostKib(box.root)} KiB`);
      assert.equal((await run("rm big; echo next > note; cat note")).output, "next");
    });

    test("the home is a filesystem of its quota's size", {
      skip: diskQuotaSupport().kernel ? false : `no quota filesystem: ${diskQuotaSupport().reason}`,
    }, async () => {
      const r = await run("df -m --output=size,target ~ | tail -1");
      const size = Number(r.output.trim().split(/\s+/)[0]);
      assert.ok(size > 48 && size <= 64, r.output);
    });

    test("a /tmp (and /dev/shm) filler stops at the tmp size", {
      skip: tmpfsSizeSupport().ok ? false : tmpfsSizeSupport().reason,
    }, async () => {
      for (const dir of ["/tmp", "/dev/shm"]) {
        const r = await run(`dd if=/dev/zero of=${dir}/big bs=1M count=100 2>&1; stat -c %s ${dir}/big`);
        assert.match(r.output, /No space left on device/);
        assert.equal(Number(/^(\d+)$/m.exec(r.output)?.[1]), 16 * 1024 * 1024);
        assert.equal((await run(`rm ${dir}/big; echo next`)).output, "next");
      }
    });

    const uncapped =
      process.getuid?.() === 0 && !cgroupSupport().pids
        ? "root without a pids cgroup: nothing caps processes on this host (mlgym doctor), a bomb would take it down"
        : false;
    test("fork bombs are stopped within the step, every time, and the next command works", {
      skip: uncapped,
    }, async () => {
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const fg = await run(":(){ :|: ; }; :", 30);
        assert.notEqual(fg.exitCode, 0);
        assert.ok(Date.now() - started < 10_000, `the foreground bomb ran ${Date.now() - started} ms`);
        assert.match((await run("echo next; ls /proc | grep -c '^[0-9]'")).output, NEXT_FEW);
        // In the background (silenced: its retries would otherwise flood the shell's output), the step ends at once;
        // the bomb must be gone before the next one, as an agent's next step comes a model call later.
        await run("bomb(){ bomb | bomb & }; bomb 2>/dev/null");
        await sleep(1000);
        assert.match((await run("echo next; ls /proc | grep -c '^[0-9]'")).output, NEXT_FEW);
        // The shell keeps functions: `:` would go on being a fork bomb.
        await run("unset -f : bomb");
      }
    });

    test("a busy background loop is held to the CPU quota and dies after its CPU time", async () => {
      const r = await run("(while true; do true; done) & echo $!");
      const pid = r.output.trim();
      await sleep(600);
      if (cgroupSupport().cpu) {
        // utime + stime in clock ticks (100 per second): half a core, not the whole one a busy loop takes.
        const ticks = await run(`awk '{print $14 + $15}' /proc/${pid}/stat`);
        assert.ok(Number(ticks.output) <= 45, `${ticks.output.trim()} ticks in 0.6 s`);
      }
      await sleep(2500);
      // Its RLIMIT_CPU is hard too: SIGKILL, reported by bash as the job's end.
      assert.match(
        (await run(`kill -0 ${pid} 2>/dev/null && echo alive || echo gone`)).output,
        /(^|\n)gone$/,
      );
    });
  });

  describe(`limits through an environment: ${name}`, { skip }, () => {
    test("a task without limits gets the defaults; caller overrides hold, and the episode goes on", async () => {
      const env = make("mlgym/tinyCsv", {
        tasksDirs: [FIXTURE_TASKS],
        sandbox: name,
        limits: { memoryMb: 256, diskMb: 64 },
      });
      try {
        await env.reset();
        const limits = (await env.step("cat /proc/self/limits")).observation;
        assert.match(limits, new RegExp(`Max cpu time\\s+${DEFAULT_LIMITS.cpuSeconds}\\s`));
        assert.match(limits, new RegExp(`Max file size\\s+${64 * 1024 * 1024}\\s`));
        if (tmpfsSizeSupport().ok) {
          const df = await env.step("df -m --output=size /tmp | tail -1");
          assert.equal(df.observation.trim(), String(DEFAULT_LIMITS.tmpMb));
        }
        const hog = await env.step(`python3 -c "x = b'x' * (1024 * 1024 * 1024); print('allocated')"`);
        assert.doesNotMatch(hog.observation, /^allocated$/m);
        const fill = await env.step("dd if=/dev/zero of=big bs=1M count=200 2>&1");
        assert.match(fill.observation, /No space left on device|File size limit exceeded/);
        const next = await env.step("rm big; ls");
        assert.equal(next.info.exitCode, 0);
        assert.match(next.observation, /baseline\.py/);
      } finally {
        await env.close();
      }
    });
  });
}

/** The watchdog that stands in for a quota filesystem: the local backend always has it. */
describe("disk watchdog (local backend, not kernel-enforced)", () => {
  let box: TempSandbox;
  before(async () => {
    box = await tempSandbox("local", { limits: { diskMb: 8, maxProcesses: 64 } });
  });
  after(() => box.dispose());

  test("a writer that outgrows the quota is stopped and the next command works", async () => {
    const shell = await ShellSession.start(box.sandbox);
    try {
      const r = await shell.run(
        "bash -c 'for i in $(seq 300); do head -c 1048576 /dev/zero > f$i; sleep 0.02; done; echo finished'",
        { timeoutS: 30 },
      );
      assert.doesNotMatch(r.output, /^finished$/m);
      const files = readdirSync(box.workspaceDir).filter((f) => /^f\d+$/.test(f));
      assert.ok(files.length < 300, `${files.length} files written`);
      const next = await shell.run("rm -f f*; echo next", { timeoutS: 10 });
      assert.match(next.output, /^next$/);
    } finally {
      await shell.close();
    }
  });
});
