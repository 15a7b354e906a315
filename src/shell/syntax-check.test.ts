import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { backendsUnderTest, type TempSandbox, tempSandbox } from "../../test/helpers/sandboxes.js";
import { filterOutput } from "./output.js";
import { ShellSession } from "./shell-session.js";

/** Each first creates the file RAN, then has a syntax error somewhere: none may create it. */
const BROKEN = [
  "touch RAN; if",
  "touch RAN && (",
  "touch RAN | done",
  "touch RAN; echo 'abc",
  'touch RAN; echo "abc',
  "touch RAN; echo `",
  "touch RAN; echo $(",
  "touch RAN; echo $(if)",
  "touch RAN; x=$(echo a; fi)",
  "touch RAN; cat <(if)",
  "touch RAN; echo ${",
  "touch RAN; echo $((1+",
  "touch RAN; case x in",
  "touch RAN; case x in a) echo",
  "touch RAN; a=( ; )",
  "touch RAN; fi",
  "touch RAN; { echo",
  "touch RAN; f() {",
  "touch RAN; for x in; do",
  "touch RAN && [[ a == ",
  "touch RAN; ))",
  "touch RAN\nif then",
  "touch RAN\necho ok\nfi",
  "touch RAN\ncat <<EOF\nbody\nEOF\ndone",
  "cat <<EOF; touch RAN; if\nbody\nEOF",
  "touch RAN; cat <<EOF\n$(if)\nEOF\n)",
  "touch RAN\necho $(if)",
];

/** What `bash -n` says about a command, as the observation shows it (blank lines dropped). */
function bashSays(command: string): string {
  const r = spawnSync("/bin/bash", ["-n"], { input: `${command}\n`, encoding: "utf8" });
  assert.notEqual(r.status, 0, `bash -n accepts ${JSON.stringify(command)}`);
  return filterOutput(r.stderr);
}

for (const { name, skip } of backendsUnderTest()) {
  describe(`syntax errors on ${name}`, { skip }, () => {
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
    const run = (cmd: string) => shell.run(cmd, { timeoutS: 10 });

    test("a command with a syntax error runs no part of itself; bash's own message; the shell lives on", async () => {
      await run("KEPT=yes");
      for (const command of BROKEN) {
        const r = await run(command);
        assert.deepEqual(
          [r.output, r.exitCode, r.restarted],
          [bashSays(command), 2, undefined],
          JSON.stringify(command),
        );
        const ran = await run("ls RAN 2>/dev/null; echo $KEPT");
        assert.equal(ran.output, "yes", `${JSON.stringify(command)} ran in part`);
      }
    });

    test("valid commands of every shape run, and here-document warnings reach the output", async () => {
      assert.equal(
        (await run("echo $(echo a) $((1+2)) <(:)")).output.replace(/\/dev\/fd\/\d+/, "fd"),
        "a 3 fd",
      );
      assert.equal((await run("x=$(printf '%s' \"$(echo nested)\"); echo $x")).output, "nested");
      assert.equal((await run("cat <<<here")).output, "here");
      assert.equal((await run("cat <<EOF\nline $((2*3))\nEOF\necho after")).output, "line 6\nafter");
      const unterminated = await run("cat <<EOF\nbody");
      assert.match(
        unterminated.output,
        /warning: here-document at line \d+ delimited by end-of-file \(wanted `EOF'\)/,
      );
      assert.match(unterminated.output, /body$/);
      assert.equal((await run("echo a; echo b >&2\necho c")).output, "a\nb\nc");
    });

    test("the agent's aliases count: an alias that breaks the parse is reported and nothing runs", async () => {
      await run("shopt -s expand_aliases; alias opens='if'");
      const r = await run("touch RAN; opens");
      assert.equal(r.exitCode, 2);
      assert.match(r.output, /syntax error: unexpected end of file/);
      assert.equal((await run("unalias opens; ls RAN 2>&1")).exitCode, 2);
    });

    test("a one-line command starts no process besides its own: no syntax-check process", async (t) => {
      if (name !== "bwrap") return t.skip("needs the sandbox's own PID namespace to count processes");
      // PIDs in the sandbox's namespace count every process started: a subshell before and after five commands.
      const first = Number((await run("(echo $BASHPID)")).output);
      for (let i = 0; i < 5; i++) assert.equal((await run("true")).exitCode, 0);
      const last = Number((await run("(echo $BASHPID)")).output);
      assert.equal(last - first, 1);
    });
  });
}
