import assert from "node:assert/strict";
import { test } from "node:test";
import { END_TOKEN_PATTERN, endToken, frameCommand, needsParseCheck, StatusReader } from "./protocol.js";

const NONCE = "0123456789abcdef";

test("every command gets a fresh nonce, in its wrapper only; the main loop parses the same two short lines", () => {
  const a = frameCommand(Buffer.from("echo hi"), Buffer.alloc(0));
  const b = frameCommand(Buffer.from("echo hi"), Buffer.alloc(0));
  assert.notEqual(a.nonce, b.nonce);
  assert.match(a.nonce, /^[0-9a-f]{16}$/);
  // The command and the prelude travel as they are, length-prefixed, after the wrapper.
  assert.equal(a.input.at(-1)!.toString(), "echo hi");
  // The lines the main loop parses are the same for every command (the reader alias and the wrapper's alias, around
  // the wrapper's length and bytes): no nonce, no command text; the nonce is in the wrapper only.
  assert.equal(a.input[0]!.toString(), `_m\n${String(a.input[1]!.length).padStart(8, "0")}`);
  assert.equal(a.input[2]!.toString(), "_mw\n");
  assert.deepEqual([a.input[0]!.subarray(0, 3), a.input[2]], [b.input[0]!.subarray(0, 3), b.input[2]]);
  assert.ok(a.input[1]!.toString().includes(a.nonce) && !a.input[1]!.toString().includes(b.nonce));
  assert.match(endToken(a.nonce).toString(), END_TOKEN_PATTERN);
});

test("StatusReader accepts only the record of its own nonce, across chunks and after garbage", () => {
  const r = new StatusReader(NONCE);
  assert.equal(r.push(Buffer.from("garbage\x00fedcba9876543210:0:/fake\x00012345")), undefined);
  assert.equal(r.push(Buffer.from("6789abcdef:4")), undefined);
  assert.deepEqual(r.push(Buffer.from("2:/home/agent/a b:c\0")), {
    kind: "done",
    exitCode: 42,
    cwd: "/home/agent/a b:c",
  });
});

test("StatusReader reads the broken report that bash writes for a redirection", () => {
  const r = new StatusReader(NONCE);
  const message = `bash: line 1: /dev/null/mlgym-broken:${NONCE}:3:/tmp/x: y: Not a directory\n`;
  assert.deepEqual(r.push(Buffer.from(message)), { kind: "broken", exitCode: 3, cwd: "/tmp/x: y" });
  const bare = new StatusReader(NONCE);
  assert.deepEqual(bare.push(Buffer.from(`/dev/null/mlgym-broken:${NONCE}::: File name too long\n`)), {
    kind: "broken",
    exitCode: undefined,
    cwd: undefined,
  });
});

test("StatusReader skips a flood of garbage", () => {
  const r = new StatusReader(NONCE);
  for (let i = 0; i < 1000; i++) assert.equal(r.push(Buffer.alloc(64 * 1024, 0x41)), undefined);
  assert.deepEqual(r.push(Buffer.from(`${NONCE}:0:/w\0`)), { kind: "done", exitCode: 0, cwd: "/w" });
});

test("only commands that eval could run in part, or whose parse error ends bash, get a separate parse check", () => {
  const cases: Array<[string, boolean]> = [
    ["true", false],
    ["ls -la | grep x && echo 'a;b' > out 2>&1", false],
    ['python -c "print(1)"; [[ -f x ]] || { echo no; }', false],
    ["cat <<<'here string'", false],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
    ["echo $HOME ${HOME} $((1+2))", true],
    ["printf 'a\\nb'", false],
    ["echo a\necho b", true],
    ["x=$(date)", true],
    ["diff <(ls a) <(ls b)", true],
    ["tee >(wc -l)", true],
    ["cat <<EOF", true],
    ["cat <<-EOF", true],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
    ["echo ${ echo; }", true],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
    ["echo ${|REPLY=1; }", true],
  ];
  for (const [command, expected] of cases)
    assert.equal(needsParseCheck(Buffer.from(command)), expected, JSON.stringify(command));
});
