import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { backendsUnderTest, type TempSandbox, tempSandbox } from "../../test/helpers/sandboxes.js";
import { ShellSession } from "./shell-session.js";

for (const { name, skip } of backendsUnderTest()) {
  describe(`shell session on ${name}`, { skip }, () => {
    let box: TempSandbox;
    let shell: ShellSession;
    before(async () => {
      box = await tempSandbox(name, { limits: { maxProcesses: 128 } });
      shell = await ShellSession.start(box.sandbox);
    });
    after(async () => {
      await shell.close();
      await box.dispose();
    });
    const run = (cmd: string, timeoutS = 10, noOutputTimeoutS?: number) =>
      shell.run(cmd, noOutputTimeoutS === undefined ? { timeoutS } : { timeoutS, noOutputTimeoutS });

    test("cwd, variables and functions persist across commands", async () => {
      await run("mkdir -p sub && cd sub && X=41 && f() { echo fn-$1; }");
      const r = await run("echo $((X+1)) $(basename $PWD); f ok");
      assert.equal(r.output, "42 sub\nfn-ok");
      assert.equal(r.cwd, `${box.sandbox.workspace}/sub`);
      await run(`cd ${box.sandbox.workspace}`);
    });

    test("exit codes come back; output is filtered of blank lines", async () => {
      assert.equal((await run("false")).exitCode, 1);
      const r = await run("echo a; echo; echo b >&2; (exit 7)");
      assert.deepEqual([r.output, r.exitCode], ["a\nb", 7]);
    });

    test("a syntax error is reported and nothing runs", async () => {
      const r = await run("touch should-not-exist\nif then");
      assert.equal(r.exitCode, 2);
      assert.match(r.output, /^\/bin\/bash: line 2: syntax error near unexpected token `then'/);
      assert.equal((await run("ls should-not-exist 2>/dev/null || echo absent")).output, "absent");
    });

    test("commands cannot read the protocol: stdin is empty", async () => {
      const r = await run("cat; read x; echo got:$x; echo after");
      assert.equal(r.output, "got:\nafter");
      const py = await run("python3 -c 'import sys; print(len(sys.stdin.read()))'");
      assert.equal(py.output, "0");
    });

    test("multi-byte and heredoc commands arrive intact", async () => {
      const r = await run("cat <<'EOF'\nünïcödé ✓ $HOME `x`\nEOF");
      assert.equal(r.output, "ünïcödé ✓ $HOME `x`");
    });

    test("a timeout kills the whole process tree and leaves the session usable", async () => {
      const r = await run("(sleep 3017 & sleep 3018 & wait) && echo never", 1);
      assert.equal(r.timedOut, "total");
      assert.equal(r.exitCode, 124);
      assert.match(r.output, /EXECUTION TIMED OUT BECAUSE THE COMMAND WAS RUNNING FOR MORE THAN 1 SECONDS\./);
      assert.doesNotMatch(r.output, /never/);
      const ps = await run("pgrep -f 'sleep 301[78]' | wc -l");
      assert.equal(ps.output, "0");
      assert.equal((await run("echo still-here")).output, "still-here");
    });

    test("a process that ignores SIGTERM is killed too", async () => {
      const r = await run(
        "python3 -c 'import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)'",
        1,
      );
      assert.equal(r.timedOut, "total");
      assert.equal((await run("pgrep -f SIG_IGN | wc -l")).output, "0");
    });

    test("the no-output timeout fires for a silent command and keeps partial output", async () => {
      const r = await run("echo started; sleep 30", 20, 1);
      assert.equal(r.timedOut, "no-output");
      assert.match(
        r.output,
        /^started\nEXECUTION TIMED OUT BECAUSE NO OUTPUT WAS PRODUCED FOR MORE THAN 1 SECONDS\./,
      );
    });

    test("an endless shell builtin loop is stopped by replacing the shell, keeping the cwd", async () => {
      await run("cd /tmp");
      const r = await run("while true; do :; done", 1);
      assert.equal(r.timedOut, "total");
      assert.equal(r.restarted, true);
      const after = await run("pwd");
      assert.equal(after.output, "/tmp");
      await run(`cd ${box.sandbox.workspace}`);
    });

    test("a command that exits the shell gets a fresh shell", async () => {
      const r = await run("exit 3");
      assert.equal(r.restarted, true);
      assert.equal((await run("echo back")).output, "back");
    });

    test("huge output is truncated in the middle with a note", async () => {
      const r = await run(
        "python3 -c \"import sys; [sys.stdout.write('line %d\\n' % i) for i in range(1000000)]\"",
        30,
      );
      assert.ok(r.output.length < 110_000, `output has ${r.output.length} characters`);
      assert.match(r.output, /^line 0\nline 1\n/);
      assert.match(r.output, /line 999999$/);
      assert.match(r.output, /\[\.\.\. output truncated: \d+ characters omitted \.\.\.\]/);
    });

    test("binary output is escaped, not mangled", async () => {
      const r = await run("printf 'ok\\x00\\xff\\xfe\\n'");
      assert.equal(r.output, "ok\u0000\\xff\\xfe");
    });

    test("a fork bomb hits the process limit and is cleaned up", async () => {
      const r = await run("bomb() { bomb | bomb & }; bomb; sleep 2; echo survived", 5);
      assert.match(r.output, /PROCESS LIMIT WAS REACHED/);
      // Count the sandbox's processes: its PID namespace (bwrap) or its cgroup (local).
      const left = await run(
        'g=$(grep :pids: /proc/self/cgroup | cut -d: -f3); f=/sys/fs/cgroup/pids$g/cgroup.procs; if [ -n "$g" ] && [ -r $f ]; then wc -l < $f; else ps -e --no-headers | wc -l; fi',
      );
      // bash may first report the bomb's jobs as done; the count is the line that is a number.
      const count = Number(left.output.split("\n").find((line) => /^\d+$/.test(line)));
      assert.ok(count < 20, `processes left: ${left.output}`);
      assert.equal((await run("echo alive")).output, "alive");
    });
  });
}
