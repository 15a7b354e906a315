import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeBackslashReplace, filterOutput, isProgressBar, truncateMiddle } from "./output.js";

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

/** The original's regex, kept here only to check the linear scan against it. */
const ORIGINAL_PROGRESS_BAR = /(?:.*?:\s*)?(\d+%\|.*?\|.*\[.*?\])/;

test("isProgressBar decides what the original regex decides", () => {
  const alphabet = ["0", "7", "%", "|", "[", "]", "a", ":", " ", "\r", "\u2028", "█"];
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let n = 0; n < 50_000; n++) {
    let line = "";
    const length = random() % 16;
    for (let i = 0; i < length; i++) line += alphabet[random() % alphabet.length];
    assert.equal(isProgressBar(line), ORIGINAL_PROGRESS_BAR.test(line), JSON.stringify(line));
  }
  assert.equal(isProgressBar(" 45%|████▌     | 45/100 [00:01<00:02, 30.1it/s]"), true);
  assert.equal(isProgressBar("Training:  10%|█ | 1/10 [00:00<00:01]\r 20%|██ | 2/10 [00:00<00:01]"), true);
  assert.equal(isProgressBar("45%|bar\r| 45/100 [00:01]"), false);
});

// The original regex needs hours on these; the runner's timeout stands for "does not backtrack".
test("filterOutput is linear: a 5 MB line, and lines built to make a backtracking regex quadratic", {
  timeout: 20_000,
}, () => {
  const plain = "a".repeat(5_000_000);
  assert.equal(filterOutput(`${plain}\nok`).length, plain.length + 3);
  // Every prefix of these re-scans the rest of the line under the original regex (seconds to hours).
  const pathological = [
    `1%|${"|".repeat(3_000_000)}[`,
    `${"1%||[".repeat(600_000)}`,
    `${"1%|\r".repeat(600_000)}x`,
    `${"9: ".repeat(1_000_000)}`,
  ];
  for (const line of pathological) assert.equal(filterOutput(`${line}\nnext`), `${line}\nnext`);
});

/** The straightforward decoder (one string appended per run), to check the buffer-based one against. */
function referenceDecode(buf: Buffer): string {
  let out = "";
  let i = 0;
  let start = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const len =
      b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let valid = len > 0 && i + len <= buf.length;
    for (let k = 1; valid && k < len; k++) if ((buf[i + k]! & 0xc0) !== 0x80) valid = false;
    const b1 = buf[i + 1] ?? 0;
    if (valid && len === 3 && ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0))) valid = false;
    if (valid && len === 4 && ((b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90))) valid = false;
    if (valid) {
      i += len;
      continue;
    }
    out += `${buf.toString("utf8", start, i)}\\x${b.toString(16).padStart(2, "0")}`;
    start = ++i;
  }
  return out + buf.toString("utf8", start, i);
}

test("decodeBackslashReplace matches a straightforward decoder on mixed text and binary", () => {
  const pieces = [
    Buffer.from("héllo ✓ 😀 \uFFFD\n"),
    Buffer.from([0xff, 0xc3, 0xe2, 0x82, 0xf0, 0x9f, 0x98]),
  ];
  let seed = 7;
  for (let n = 0; n < 300; n++) {
    const parts: Buffer[] = [];
    for (let k = 0; k < 20; k++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const piece = pieces[seed % pieces.length]!;
      parts.push(piece.subarray(seed % piece.length));
    }
    const buf = Buffer.concat(parts);
    assert.equal(decodeBackslashReplace(buf), referenceDecode(buf));
  }
});
