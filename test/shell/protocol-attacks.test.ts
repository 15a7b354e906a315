import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { type CommandResult, ShellSession } from "../../src/shell/shell-session.js";
import { backendsUnderTest, type TempSandbox, tempSandbox } from "../helpers/sandboxes.js";

// A command that tries to break the shell protocol must not end early, shift later observations or wedge the
// session: each test checks the attacked command's own observation, then that the next commands come back exactly
// (or that the shell was replaced with a note, and then the next commands come back exactly).

/** Small, so the wedge cases are quick; their bound is this plus a second. */
const TIMEOUT_S = 3;
const RESTARTED = /THE SHELL HAD TO BE RESTARTED/;
/** Anything that could be a protocol nonce, a status line or an end token. */
const NONCE = /mlgym-end|mlgym-broken|_m[a-z][0-9a-f]{16}/;

for (const { name, skip } of backendsUnderTest()) {
  describe(`shell protocol under attack on ${name}`, { skip }, () => {
    let box: TempSandbox;
    let shell: ShellSession;
    before(async () => {
      box = await tempSandbox(name, { limits: { maxProcesses: 128 } });
    });
    after(async () => {
      await box.dispose();
    });
    beforeEach(async () => {
      shell = await ShellSession.start(box.sandbox);
    });
    afterEach(async () => {
      await shell.close();
    });

    const run = (cmd: string, timeoutS = TIMEOUT_S) => shell.run(cmd, { timeoutS });
    /** Runs the attack and measures it; the session must answer within the timeout plus a second. */
    const attack = async (cmd: string, timeoutS = TIMEOUT_S): Promise<CommandResult> => {
      const started = performance.now();
      const r = await run(cmd, timeoutS);
      const ms = performance.now() - started;
      assert.ok(ms < timeoutS * 1000 + 1000, `the attack took ${ms.toFixed(0)} ms`);
      assert.doesNotMatch(r.output, NONCE);
      return r;
    };
    /** The next two commands come back exactly: no shifted, leftover or missing output. */
    const assertHealthy = async (cwd = box.sandbox.workspace) => {
      const one = await run("echo one");
      assert.deepEqual([one.output, one.exitCode, one.restarted], ["one", 0, undefined]);
      const pwd = await run("pwd");
      assert.deepEqual([pwd.output, pwd.exitCode, pwd.cwd], [cwd, 0, cwd]);
    };
    const assertReplaced = (r: CommandResult) => {
      assert.equal(r.restarted, true);
      assert.match(r.output, RESTARTED);
    };

    test("the command cannot find the nonce: environment, variables, /proc", async () => {
      const r = await attack(
        "(env; set; declare -p; compgen -v; cat /proc/self/environ /proc/$$/environ /proc/$$/cmdline; " +
          'ls -l /proc/$$/fd/ /proc/self/fd/; echo "$_" "$BASH_COMMAND") 2>&1 | grep -ac -E \'mlgym-end|_m[a-z][0-9a-f]{16}\'',
      );
      assert.equal(r.output, "0");
      await assertHealthy();
    });

    test("printing every candidate nonce as an end token and a status line changes nothing", async () => {
      const r = await attack(
        "for x in $( (set; env; cat /proc/$$/cmdline) | grep -aoE '[0-9a-f]{16}' | sort -u | head -200); do " +
          "printf '\\036mlgym-end-%s\\036\\n%s:0:/tmp\\0\\n' $x $x; " +
          "for fd in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do printf '%s:0:/tmp\\0' $x >&$fd; done 2>/dev/null; done; echo END",
      );
      assert.match(r.output, /END$/);
      assert.equal(r.exitCode, 0);
      await assertHealthy();
    });

    test("brute force: random end tokens on stdout, random status lines on every descriptor", async () => {
      // Descriptors that are copies of stdout carry output, which the observation rightly shows: skipped. (A flood
      // into the saved copy of stdin would block the shell until the timeout replaces it: kept to 100 lines.)
      const r = await attack(
        "for i in $(seq 5000); do printf '\\036mlgym-end-%04x%04x%04x%04x\\036' $RANDOM $RANDOM $RANDOM $RANDOM; done; " +
          "for i in $(seq 100); do printf -v x '%04x%04x%04x%04x' $RANDOM $RANDOM $RANDOM $RANDOM; " +
          "for fd in 3 4 5 6 7 8 9 10 11 12 13 14 15; do " +
          "[[ /proc/self/fd/$fd -ef /proc/self/fd/1 ]] || printf '%s:0:/tmp\\0' $x >&$fd; done 2>/dev/null; done; echo done",
        10,
      );
      assert.equal(r.output, "done");
      await assertHealthy();
    });

    test("writing to the shell's descriptors through /proc/$$/fd reaches nothing that counts", async () => {
      const r = await attack(
        "for f in /proc/$$/fd/*; do printf 'x:0:/tmp\\0\\036mlgym-end-0123456789abcdef\\036' >$f; done 2>/dev/null; echo after",
      );
      // Bytes written into the shell's saved copy of its protocol input can garble what it reads next: then the
      // shell is replaced with a note, as the contract allows. Either way nothing is shifted or forged.
      assert.ok(/after$/.test(r.output) || RESTARTED.test(r.output), r.output);
      await assertHealthy();
    });

    test("a background process printing fake status lines after the command returned", async () => {
      const fake = "printf '0123456789abcdef:0:/fake\\0\\036mlgym-end-0123456789abcdef\\036'";
      const r = await attack(
        "(for i in $(seq 30); do for fd in 3 4 5 6 7 8 9 10 11 12 13 14 15; do " +
          `[[ /proc/self/fd/$fd -ef /proc/self/fd/1 ]] || ${fake} >&$fd; done 2>/dev/null; sleep 0.05; done) & ` +
          `(sleep 0.2; ${fake}; echo; ${fake} >&2) & echo started`,
      );
      assert.equal(r.output, "started");
      await new Promise((resolve) => setTimeout(resolve, 400));
      await assertHealthy();
      await assertHealthy();
    });

    test("functions named like builtins (read, printf, eval, exec, builtin, command, unset, cd, pwd, type)", async () => {
      const names = ["read", "printf", "eval", "exec", "builtin", "command", "unset", "cd", "pwd", "type"];
      const r = await attack(
        `${names.map((n) => `${n}() { echo HIJACKED-${n}; }`).join("; ")}; echo defined`,
      );
      assert.equal(r.output, "defined");
      const one = await run("echo one");
      assert.equal(one.output, "one");
      // The session's own builtins are back; the agent's other functions stay, as in any shell.
      assert.equal(
        (await run("read x <<<'hi'; printf '%s\\n' \"$x\"; eval 'unset x'; echo \"[$x]\"")).output,
        "hi\n[]",
      );
      assert.equal((await run("pwd")).output, "HIJACKED-pwd");
      assert.equal((await run("/bin/pwd")).output, box.sandbox.workspace);
    });

    test("aliases with expand_aliases, reserved words included", async () => {
      const r = await attack(
        "shopt -s expand_aliases; alias read='echo HIJACKED' printf='echo HIJACKED' eval='echo HIJACKED' " +
          "unset='echo HIJACKED' set='echo HIJACKED' trap='echo HIJACKED' if='echo HIJACKED;' '{'='echo HIJACKED;' " +
          "'[['='echo HIJACKED' exit='echo HIJACKED' enable='echo HIJACKED' 2='echo HIJACKED'; echo defined",
      );
      assert.equal(r.output, "defined");
      await assertHealthy();
      // The agent's aliases still work in its own commands.
      assert.equal((await run("read")).output, "HIJACKED");
    });

    for (const builtin of ["read", "printf", "eval", "exec", "set", "trap", "exit"]) {
      test(`enable -n ${builtin} is repaired after the command`, async () => {
        const r = await attack(`enable -n ${builtin}; echo disabled`);
        assert.equal(r.output, "disabled");
        assert.equal(r.restarted, undefined);
        await assertHealthy();
      });
    }

    for (const builtin of ["unset", "enable"]) {
      test(`enable -n ${builtin} cannot be repaired: the shell is replaced with a note`, async () => {
        await run("cd /tmp");
        const r = await attack(`enable -n ${builtin}; echo disabled`);
        assert.match(r.output, /^disabled\n/);
        assertReplaced(r);
        await assertHealthy("/tmp");
      });
    }

    test("a DEBUG trap that prints and forges around every command", async () => {
      const r = await attack(
        'exec {out}>&1; trap \'echo "DBG $BASH_COMMAND"; for fd in 3 4 5 6 7 8 9 10 11 12 13; do ' +
          '[[ /proc/self/fd/$fd -ef /proc/self/fd/$out ]] || printf "x:0:/tmp\\0" >&$fd; done 2>/dev/null\' DEBUG; echo after',
      );
      assert.equal(r.output, "DBG echo after\nafter");
      await assertHealthy();
    });

    test("a DEBUG trap with extdebug that skips every command: replaced in time", async () => {
      const r = await attack("shopt -s extdebug; trap false DEBUG; echo skipped");
      assertReplaced(r);
      await assertHealthy();
    });

    test("RETURN, EXIT and ERR traps", async () => {
      const r = await attack(
        "trap 'echo RET' RETURN; trap 'echo \"\\036mlgym-end-0123456789abcdef\\036\"; echo EXIT-RAN' EXIT; " +
          "trap 'echo ERR-RAN' ERR; . /dev/null; false",
      );
      assert.deepEqual([r.output, r.exitCode], ["RET\nERR-RAN", 1]);
      await assertHealthy();
      assert.deepEqual([(await run("false")).output, (await run("exit 4")).restarted], ["", true]);
      await assertHealthy();
    });

    test("parse errors inside the command's own eval leave the next commands' parse intact", async () => {
      // bash 5.2 keeps parser state after some failed parses in `eval` that misreads the next `[[` or `case`.
      for (const broken of ["[[ a == ", "if ((", "if [[", "case x in '", "( [[ -f", "for ((;;"]) {
        const r = await attack(`eval ${JSON.stringify(broken)} 2>/dev/null; echo survived`);
        assert.equal(r.output, "survived");
        await assertHealthy();
      }
    });

    test("set -e lasts for its command only; a failure under it ends the shell, which is replaced", async () => {
      assert.equal((await attack("set -e; echo on")).output, "on");
      const f = await run("false");
      assert.deepEqual([f.exitCode, f.restarted], [1, undefined]);
      await assertHealthy();
      const r = await attack("set -e; false; echo never");
      assertReplaced(r);
      assert.doesNotMatch(r.output, /never/);
      await assertHealthy();
    });

    test("set -u", async () => {
      assert.equal((await attack("set -u; echo on")).output, "on");
      assert.equal((await run('echo "[$SURELY_UNSET_VAR]"')).output, "[]");
      await assertHealthy();
    });

    test("set -x with a PS4 that runs code", async () => {
      const r = await attack("PS4='$(echo PS4-RAN >&2)+ '; set -x; echo traced");
      assert.equal(r.output, "PS4-RAN\n++ echo traced\ntraced");
      await assertHealthy();
    });

    test("set -v", async () => {
      const r = await attack("set -v; echo verbose");
      assert.match(r.output, /verbose$/);
      await assertHealthy();
    });

    test("set -n (noexec) wedges the shell: replaced in time", async () => {
      const r = await attack("set -n; echo never");
      assertReplaced(r);
      await assertHealthy();
    });

    test("exec >/dev/null", async () => {
      const r = await attack("exec >/dev/null; echo hidden");
      assert.equal(r.output, "");
      await assertHealthy();
    });

    test("exec 2>&- and exec 2>/dev/null", async () => {
      assert.equal((await attack("exec 2>&-; echo out")).output, "out");
      assert.match((await run("ls /surely/missing")).output, /No such file or directory/);
      assert.equal((await attack("exec 2>/dev/null; echo out")).output, "out");
      assert.match((await run("ls /surely/missing")).output, /No such file or directory/);
      await assertHealthy();
    });

    test("exec 3>&- and closing other descriptors", async () => {
      assert.equal((await attack("exec 3>&- 4>&- 5>&- 9>&-; echo closed")).output, "closed");
      await assertHealthy();
    });

    test("closing every descriptor of the shell, the saved ones included: replaced at once", async () => {
      const r = await attack('for fd in $(ls /proc/$$/fd); do eval "exec $fd>&-"; done');
      assertReplaced(r);
      await assertHealthy();
    });

    test("redirecting the saved descriptors elsewhere: replaced in time", async () => {
      const r = await attack('for fd in {10..20}; do eval "exec $fd>/dev/null"; done; echo x');
      if (r.restarted) assertReplaced(r);
      else assert.equal(r.output, "x");
      await assertHealthy();
    });

    test("a flood into the descriptors bash saved (stdin's copy blocks the shell): replaced in time", async () => {
      const r = await attack(
        "for i in $(seq 20000); do for fd in 10 11 12 13 14; do printf xxxxxxxx >&$fd; done; done 2>/dev/null; echo end",
      );
      if (r.restarted) assertReplaced(r);
      else assert.match(r.output, /end$/);
      await assertHealthy();
    });

    test("stty", async () => {
      await attack("stty raw -echo 2>/dev/null; stty sane 2>/dev/null; echo tty");
      await assertHealthy();
    });

    test("IFS set to nothing, a newline or a letter", async () => {
      assert.equal((await attack("IFS=; echo a b")).output, "a b");
      await assertHealthy();
      await attack("IFS=$'\\n'");
      await assertHealthy();
      assert.equal((await attack("IFS=e; x='a e b'; echo $x")).output, "a   b");
      await assertHealthy();
    });

    for (const variable of ["IFS", "LC_ALL", "TMOUT"]) {
      test(`readonly ${variable}: the shell is replaced with a note`, async () => {
        const r = await attack(`readonly ${variable}; echo ro`);
        assert.match(r.output, /^ro\n/);
        assertReplaced(r);
        await assertHealthy();
      });
    }

    test("readonly POSIXLY_CORRECT and a nameref LC_ALL: the shell is replaced with a note", async () => {
      assertReplaced(await attack("readonly POSIXLY_CORRECT"));
      await assertHealthy();
      assertReplaced(await attack("declare -n LC_ALL=elsewhere"));
      await assertHealthy();
    });

    // The reader's variables and aliases have fixed names (the source is public): attributes on them, a name
    // reference that would catch the next wrapper (and its nonce), or replaced aliases must not reach a later command.
    for (const name of ["__mlgym_w", "__mlgym_l", "__mlgym_o"]) {
      test(`readonly or a read-only name reference ${name}: the shell is replaced with a note`, async () => {
        assertReplaced(await attack(`readonly ${name}`));
        await assertHealthy();
        assertReplaced(await attack(`declare -rn ${name}=caught`));
        await assertHealthy();
      });
      test(`a name reference or attributes on ${name} catch no wrapper`, async () => {
        for (const setup of [`declare -n ${name}=caught`, `declare -i ${name}`, `declare -u ${name}`]) {
          const r = await attack(`${setup}; echo set`);
          assert.match(r.output, /^set(\n|$)/, setup);
          // A name reference is refused (the shell is replaced); other attributes are reset by the reader.
          assert.equal(r.restarted, setup.includes("-n") ? true : undefined, setup);
          // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's parameter expansion
          const next = await attack('echo "[${caught-}]"');
          assert.equal(next.output, "[]", setup);
          await assertHealthy();
        }
      });
    }

    test("the reader's aliases replaced, removed, or shadowed by functions", async () => {
      for (const setup of [
        "alias _m='echo HIJACKED'; shopt -s expand_aliases",
        "alias _mw='echo HIJACKED'; shopt -s expand_aliases",
        "unalias -a",
        "_m() { echo HIJACKED; }; _mw() { echo HIJACKED; }",
      ]) {
        const r = await attack(`${setup}; echo set`);
        assert.deepEqual([r.output, r.restarted], ["set", undefined], setup);
        await assertHealthy();
      }
      // While the command runs, the protocol's aliases are not there to be called or listed.
      const r = await attack("unset -f _m _mw; shopt -s expand_aliases; alias; _m; _mw");
      assert.match(
        r.output,
        /^bash: line \d+: _m: command not found\nbash: line \d+: _mw: command not found$/,
      );
      await assertHealthy();
    });

    test("the protocol's read-only functions redefined, unset, aliased, traced or nested too deep", async () => {
      for (const setup of [
        "__mlgym_fix() { echo HIJACKED; }",
        "__mlgym_tail() { echo HIJACKED; }",
        "__mlgym_z() { echo HIJACKED; }",
        "unset -f __mlgym_fix __mlgym_tail __mlgym_z",
        "declare +r -f __mlgym_fix && __mlgym_fix() { echo HIJACKED; }",
        "alias __mlgym_fix='echo HIJACKED' __mlgym_tail='echo HIJACKED'; shopt -s expand_aliases",
        "readonly FUNCNEST=1",
      ]) {
        const r = await attack(`{ ${setup}; } 2>/dev/null; echo set`);
        assert.deepEqual([r.output, r.restarted], ["set", undefined], setup);
        await assertHealthy();
        assert.doesNotMatch((await run("true")).output, /HIJACKED/, setup);
      }
      // The trace attribute hands the command's DEBUG trap into the functions: it sees no nonce, and is cleared.
      const r = await attack(
        "declare -ft __mlgym_fix __mlgym_tail; set -T; trap 'echo \"DBG $BASH_COMMAND\"' DEBUG; echo set",
      );
      assert.equal(r.output, "DBG echo set\nset");
      await assertHealthy();
      assert.equal(
        (await attack("trap 'echo \"DBG $BASH_COMMAND\"' DEBUG; echo again")).output,
        "DBG echo again\nagain",
      );
      await assertHealthy();
    });

    test("a traced function's DEBUG trap that returns out of the repairs, errtrace, an old compatibility level", async () => {
      // extdebug: a DEBUG trap returning 2 inside a traced function returns from it, skipping the rest of the repairs.
      const skipped = await attack(
        "shopt -s extdebug; declare -ft __mlgym_fix __mlgym_tail; set -T; " +
          "trap '[[ $BASH_COMMAND == *set* ]] && return 2; :' DEBUG 2>/dev/null; echo skipping",
      );
      assertReplaced(skipped);
      assert.match(skipped.output, /skipping/);
      await assertHealthy();
      const errtrace = await attack(
        "declare -ft __mlgym_fix; set -E; trap 'printf \"x:0:/tmp\\0\" >&3 2>/dev/null; echo ERR-IN' ERR; echo etrace",
      );
      assert.deepEqual([errtrace.output, errtrace.restarted], ["etrace", undefined]);
      await assertHealthy();
      const compat = await attack("BASH_COMPAT=31; echo compat");
      assert.deepEqual([compat.output, compat.restarted], ["compat", undefined]);
      await assertHealthy();
    });

    test("readonly of every variable the command can see, PWD included", async () => {
      const r = await attack(
        "readonly $(compgen -v | grep -v -e '^BASH' -e '^_$' -e '^FUNCNAME$') 2>/dev/null; echo ro",
      );
      assert.match(r.output, /^ro/);
      await assertHealthy();
    });

    test("PROMPT_COMMAND", async () => {
      await attack("PROMPT_COMMAND='echo PROMPT'; export PROMPT_COMMAND");
      await assertHealthy();
    });

    test("kill -STOP $$: replaced in time", async () => {
      const r = await attack("kill -STOP $$");
      assertReplaced(r);
      assert.equal(r.timedOut, "total");
      await assertHealthy();
    });

    test("exec bash: replaced", async () => {
      assertReplaced(await attack("exec bash"));
      await assertHealthy();
      assertReplaced(await attack("exec bash --norc -i"));
      await assertHealthy();
    });

    test("a single 5 MB line is truncated with a note", async () => {
      const r = await attack("head -c 5000000 /dev/zero | tr '\\0' 'a'; echo; echo end");
      assert.match(r.output, /^a+\n\[\.\.\. output truncated: \d+ characters omitted \.\.\.\]\na+\nend$/);
      assert.ok(r.output.length < 110_000);
      await assertHealthy();
    });

    test("a 3 MB line shaped to make a backtracking progress-bar filter quadratic", async () => {
      const r = await attack(
        "printf '1%%|'; head -c 3000000 /dev/zero | tr '\\0' '|'; printf '[\\n'; echo end",
      );
      assert.match(r.output, /output truncated/);
      assert.match(r.output, /end$/);
      await assertHealthy();
    });

    test("10 MB of output", async () => {
      const r = await attack("seq 1 1500000", 10);
      assert.match(r.output, /^1\n2\n3\n/);
      assert.match(r.output, /\n1500000$/);
      assert.match(r.output, /output truncated/);
      await assertHealthy();
    });

    test("5 MB of binary output", async () => {
      const r = await attack("head -c 5000000 /dev/urandom; echo; echo end");
      assert.match(r.output, /output truncated/);
      assert.match(r.output, /end$/);
      await assertHealthy();
    });

    test("a 1 MB action is checked and run", async () => {
      const r = await attack(`: '${"x".repeat(1024 * 1024)}'\necho ran`);
      assert.equal(r.output, "ran");
      const broken = await attack(`echo partly\n: '${"y".repeat(1024 * 1024)}\nif then`);
      assert.equal(broken.exitCode, 2);
      assert.match(broken.output, /unexpected EOF/);
      assert.doesNotMatch(broken.output, /partly/);
      await assertHealthy();
    });

    test("an action over the cap is refused, not run", async () => {
      const r = await attack(`touch refused-ran; : '${"z".repeat(3 * 1024 * 1024)}'`);
      assert.equal(r.exitCode, 2);
      assert.match(r.output, /THE COMMAND WAS NOT RUN/);
      assert.equal((await run("ls refused-ran 2>/dev/null || echo absent")).output, "absent");
      await assertHealthy();
    });
  });
}
