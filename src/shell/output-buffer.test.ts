import assert from "node:assert/strict";
import { test } from "node:test";
import { HeadTailBuffer, TokenScanner } from "./output-buffer.js";

test("HeadTailBuffer keeps everything while it fits", () => {
  const b = new HeadTailBuffer(8);
  for (const part of ["abc", "defg", "hij"]) b.push(Buffer.from(part));
  assert.equal(b.contents().toString(), "abcdefghij");
  assert.equal(b.dropped, 0);
});

test("HeadTailBuffer keeps the head and the tail of a flood, in order, and counts the middle", () => {
  const b = new HeadTailBuffer(4);
  let all = "";
  for (let i = 0; i < 1000; i++) {
    const part = `${i},`.repeat((i % 5) + 1);
    all += part;
    b.push(Buffer.from(part));
  }
  assert.equal(b.contents().toString(), all.slice(0, 4) + all.slice(-4));
  assert.equal(b.dropped, all.length - 8);
  const big = new HeadTailBuffer(3);
  big.push(Buffer.from("0123456789"));
  big.push(Buffer.from("ab"));
  assert.equal(big.contents().toString(), "0129ab");
  assert.equal(big.dropped, 6);
});

test("TokenScanner finds a token split across chunks and keeps only what came before it", () => {
  const token = Buffer.from("<END>");
  const chunks = ["hello <E", "N", "D> after", " more"];
  const s = new TokenScanner(token);
  let out = "";
  for (const c of chunks) out += s.push(Buffer.from(c)).toString();
  assert.equal(out, "hello ");
  assert.equal(s.found, true);
  const partial = new TokenScanner(token);
  assert.equal(partial.push(Buffer.from("abc<EN")).toString(), "ab");
  assert.equal(partial.flush().toString(), "c<EN");
  assert.equal(partial.found, false);
});
