import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SandboxError } from "../../src/errors.js";
import { backendsUnderTest, isolatingBackends, type TempSandbox, tempSandbox } from "../helpers/sandboxes.js";

/** One suite, every backend: the Sandbox interface behaves the same wherever it runs. */
for (const { name, skip } of backendsUnderTest()) {
  describe(`sandbox conformance: ${name}`, { skip }, () => {
    let box: TempSandbox;
    let data: string;
    let hidden: string;
    before(async () => {
      data = mkdtempSync(join(tmpdir(), "mlgym-data-"));
      writeFileSync(join(data, "public.csv"), "a,b\n1,2\n");
      hidden = mkdtempSync(join(tmpdir(), "mlgym-hidden-"));
      writeFileSync(join(hidden, "public.csv"), "a,b\n1,2\n");
      writeFileSync(join(hidden, "answer.csv"), "secret\n");
      box = await tempSandbox(name, {
        mounts: [{ hostPath: data, path: "workspace/data", readOnly: true }],
        evaluationMounts: [{ hostPath: hidden, path: "workspace/data", readOnly: true }],
      });
    });
    after(async () => {
      await box.dispose();
      rmSync(data, { recursive: true, force: true });
      rmSync(hidden, { recursive: true, force: true });
    });

    test("exec runs bash in the workspace and reports exit codes and both streams", async () => {
      const r = await box.sandbox.exec("pwd; echo out; echo err >&2; exit 3");
      assert.equal(r.stdout, `${box.sandbox.workspace}\nout\n`);
      assert.equal(r.stderr, "err\n");
      assert.equal(r.exitCode, 3);
      assert.equal(r.timedOut, false);
    });

    test("exec honours cwd, env and a timeout that kills the process group", async () => {
      const r = await box.sandbox.exec("echo $FOO; pwd", { cwd: "/tmp", env: { FOO: "bar" } });
      assert.equal(r.stdout, "bar\n/tmp\n");
      const slow = await box.sandbox.exec("sleep 30 & sleep 31; echo never", { timeoutMs: 500 });
      assert.equal(slow.timedOut, true);
      assert.equal(slow.exitCode, null);
      assert.doesNotMatch(slow.stdout, /never/);
    });

    test("writeFile and readFile use inside paths, and match what commands see", async () => {
      await box.sandbox.writeFile("notes/../hello.txt".replace("notes/../", ""), "hi there\n");
      assert.equal((await box.sandbox.exec("cat hello.txt")).stdout, "hi there\n");
      await box.sandbox.exec("echo from-shell > made.txt");
      assert.equal(
        (await box.sandbox.readFile(`${box.sandbox.workspace}/made.txt`)).toString(),
        "from-shell\n",
      );
      assert.equal(readFileSync(join(box.workspaceDir, "made.txt"), "utf8"), "from-shell\n");
    });

    test("read-only mounts refuse writes through writeFile; missing files are SandboxErrors", async () => {
      await assert.rejects(box.sandbox.writeFile("data/public.csv", "x"), SandboxError);
      await assert.rejects(box.sandbox.readFile("data/answer.csv"), SandboxError);
      await assert.rejects(box.sandbox.readFile("no-such-file"), SandboxError);
      assert.equal((await box.sandbox.readFile("data/public.csv")).toString(), "a,b\n1,2\n");
    });

    test("symlinks cannot lead writeFile/readFile out of the sandbox", async () => {
      const outside = join(box.root, "outside.txt");
      writeFileSync(outside, "host secret\n");
      symlinkSync(outside, join(box.workspaceDir, "escape.txt"));
      await assert.rejects(box.sandbox.readFile("escape.txt"), /outside the sandbox/);
      await assert.rejects(box.sandbox.writeFile("escape.txt", "overwritten"), /outside the sandbox/);
      assert.equal(readFileSync(outside, "utf8"), "host secret\n");
      mkdirSync(join(box.workspaceDir, "sub"));
    });

    test("evaluation runs see the hidden files; ordinary runs do not", async () => {
      const normal = await box.sandbox.exec("cat data/answer.csv");
      assert.notEqual(normal.exitCode, 0);
      const evaluation = await box.sandbox.exec("cat data/answer.csv", { evaluation: true });
      assert.equal(evaluation.stdout, "secret\n");
      assert.equal(evaluation.exitCode, 0);
      assert.equal((await box.sandbox.exec("ls data")).stdout, "public.csv\n");
    });

    test("insidePath maps host paths under the home", () => {
      assert.equal(box.sandbox.insidePath(join(box.workspaceDir, "x.py")), `${box.sandbox.workspace}/x.py`);
    });
  });
}

/** What only an isolating backend guarantees. */
for (const { name, skip } of isolatingBackends()) {
  describe(`sandbox isolation: ${name}`, { skip }, () => {
    let box: TempSandbox;
    let evalFile: string;
    before(async () => {
      evalFile = join(mkdtempSync(join(tmpdir(), "mlgym-eval-")), "evaluate.py");
      writeFileSync(evalFile, "print('trusted')\n");
      box = await tempSandbox(name, {
        limits: { maxProcesses: 64, memoryMb: 256 },
        mounts: [{ hostPath: evalFile, path: "workspace/evaluate.py", readOnly: true }],
      });
      writeFileSync(join(box.workspaceDir, "evaluate.py"), "");
    });
    after(() => box.dispose());

    test("the system is read-only and the host's files are out of sight", async () => {
      const r = await box.sandbox.exec(
        "touch /usr/x 2>&1; ls /work /root /home 2>&1; test -e /etc/shadow && echo shadow-visible; id -un",
      );
      assert.match(r.stdout, /Read-only file system/);
      assert.match(r.stdout, /ls: cannot access '\/work'/);
      assert.doesNotMatch(r.stdout, /shadow-visible/);
      assert.match(r.stdout, /agent\n$/);
    });

    test("a file mounted read-only cannot be changed, removed or replaced, even after chmod", async () => {
      const r = await box.sandbox.exec(
        "chmod u+w evaluate.py 2>&1; echo hacked > evaluate.py 2>&1; rm -f evaluate.py 2>&1; echo x > other.py; mv other.py evaluate.py 2>&1; cat evaluate.py",
      );
      assert.match(r.stdout, /Read-only file system/);
      assert.match(r.stdout, /print\('trusted'\)\n$/);
      assert.equal(readFileSync(evalFile, "utf8"), "print('trusted')\n");
    });

    test("the memory limit stops a process that allocates too much", async () => {
      const r = await box.sandbox.exec(
        "python3 -c \"x = bytearray(1024 * 1024 * 1024); print('allocated')\"",
        {
          timeoutMs: 60_000,
        },
      );
      assert.notEqual(r.exitCode, 0);
      assert.doesNotMatch(r.stdout, /allocated/);
      assert.doesNotMatch(r.stderr, /command not found/);
    });

    test("the process limit holds", async () => {
      const script = [
        "import os, time",
        "n = 0",
        "try:",
        "    while n < 500:",
        "        if os.fork() == 0:",
        "            os.close(1); os.close(2); time.sleep(5); os._exit(0)",
        "        n += 1",
        "except OSError:",
        "    print('limit', n)",
      ].join("\n");
      const r = await box.sandbox.exec(`python3 -c "${script}"`, { timeoutMs: 30_000 });
      const m = /limit (\d+)/.exec(r.stdout);
      assert.ok(m, `no fork failure: ${r.stdout} ${r.stderr}`);
      assert.ok(Number(m[1]) < 64, `forked ${m[1]} processes`);
    });
  });
}
