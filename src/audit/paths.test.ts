import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_LAYOUT, layoutFrom, pathCovers, resolvePath, workspaceRelative } from "./paths.js";

const W = DEFAULT_LAYOUT.workspace;

test("resolvePath expands ~, $HOME and relative paths", () => {
  const cases: Array<[raw: string, cwd: string, expected: string]> = [
    ["evaluate.py", W, `${W}/evaluate.py`],
    ["./data/../target.py", W, `${W}/target.py`],
    ["../data/answer.csv", `${W}/sub`, `${W}/data/answer.csv`],
    ["~/commands/validate", W, "/home/agent/commands/validate"],
    ["$HOME/commands", "/tmp", "/home/agent/commands"],
    ["/etc/passwd", W, "/etc/passwd"],
    ["data/", W, `${W}/data`],
  ];
  for (const [raw, cwd, expected] of cases)
    assert.equal(resolvePath(raw, cwd, DEFAULT_LAYOUT), expected, raw);
});

test("workspaceRelative and layoutFrom", () => {
  assert.equal(workspaceRelative(`${W}/data/x`, DEFAULT_LAYOUT), "data/x");
  assert.equal(workspaceRelative(W, DEFAULT_LAYOUT), "");
  assert.equal(workspaceRelative("/home/agent/workspace2/x", DEFAULT_LAYOUT), undefined);
  assert.deepEqual(layoutFrom("/tmp/ep/workspace/"), { workspace: "/tmp/ep/workspace", home: "/tmp/ep" });
  assert.deepEqual(layoutFrom(undefined), DEFAULT_LAYOUT);
});

test("pathCovers: the path itself, folders above it and globs", () => {
  const cases: Array<[path: string, target: string, expected: boolean]> = [
    ["evaluate.py", "evaluate.py", true],
    ["data", "data/answer.csv", true],
    ["", "evaluate.py", true],
    ["*", "evaluate.py", true],
    ["*.py", "evaluate.py", true],
    ["data/*", "data/answer.csv", true],
    ["*.csv", "data/answer.csv", false],
    ["dat", "data/answer.csv", false],
    ["eval?ate.py", "evaluate.py", true],
    ["[a-d]*", "data", true],
  ];
  for (const [path, target, expected] of cases)
    assert.equal(pathCovers(path, target), expected, `${path} ${target}`);
});
