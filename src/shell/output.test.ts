import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeBackslashReplace, filterOutput, truncateMiddle } from "./output.js";

test("filterOutput drops blank lines, tqdm bars and CRLF like the original", () => {
  const raw =
    "epoch 1\r\n\r\n 45%|████▌     | 45/100 [00:01<00:02, 30.1it/s]\nTraining:  10%|█         | 1/10 [00:00<00:01]\ndone\n\n";
  assert.equal(filterOutput(raw), "epoch 1\ndone");
  assert.equal(filterOutput("\n\n"), "");
  assert.equal(filterOutput("100% done\nrate | 5"), "100% done\nrate | 5");
});

test("decodeBackslashReplace keeps valid UTF-8 and escapes invalid bytes as \\xNN", () => {
  assert.equal(decodeBackslashReplace(Buffer.from("héllo ✓ 😀", "utf8")), "héllo ✓ 😀");
  assert.equal(decodeBackslashReplace(Buffer.from([0x61, 0xff, 0x62, 0xc3])), "a\\xffb\\xc3");
  assert.equal(decodeBackslashReplace(Buffer.from([0xed, 0xa0, 0x80])), "\\xed\\xa0\\x80");
  assert.equal(decodeBackslashReplace(Buffer.from([0x00, 0x41])), "\u0000A");
});

test("truncateMiddle keeps head and tail with a note of what was cut", () => {
  assert.equal(truncateMiddle("short", 100), "short");
  const long = "a".repeat(60) + "b".repeat(60);
  const cut = truncateMiddle(long, 20);
  assert.ok(cut.startsWith("a".repeat(10)) && cut.endsWith("b".repeat(10)));
  assert.match(cut, /\[\.\.\. output truncated: 100 characters omitted \.\.\.\]/);
  assert.match(truncateMiddle("line1\nline2", 100, 5000), /5000 characters omitted/);
});
