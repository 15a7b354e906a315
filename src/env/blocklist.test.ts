import assert from "node:assert/strict";
import { test } from "node:test";
import { blockedWord, defaultBlocklist, refuseAction } from "./blocklist.js";

const endings = { edit: "end_of_edit", insert: "end_of_insert" };

test("blockedWord blocks first words and standalone actions, not substrings", () => {
  assert.equal(blockedWord("vim notes.txt", defaultBlocklist), "vim");
  assert.equal(blockedWord("python", defaultBlocklist), "python");
  assert.equal(blockedWord("python train.py", defaultBlocklist), undefined);
  assert.equal(blockedWord("echo vim", defaultBlocklist), undefined);
  assert.equal(blockedWord("vimdiff a b", defaultBlocklist), undefined);
});

test("refuseAction: empty, malformed multi-line, blocked; otherwise nothing", () => {
  assert.match(refuseAction("", endings, defaultBlocklist) ?? "", /^No command was given/);
  assert.match(refuseAction("edit 1:2\nx", endings, defaultBlocklist) ?? "", /^Malformed edit command/);
  assert.match(
    refuseAction("insert 3\nx = 1", endings, defaultBlocklist) ?? "",
    /^Malformed insert command.*`end_of_insert`/,
  );
  assert.match(
    refuseAction("insert 3\nx\nend_of_insertion", endings, defaultBlocklist) ?? "",
    /^Malformed insert/,
  );
  assert.equal(refuseAction("insert 3\nx = 1\nend_of_insert", endings, defaultBlocklist), undefined);
  assert.match(refuseAction("nano a.py", endings, defaultBlocklist) ?? "", /^Interactive operation 'nano'/);
  assert.equal(refuseAction("ls -la", endings, defaultBlocklist), undefined);
});
