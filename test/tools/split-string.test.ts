import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ensurePythonRuntime } from "../../src/runtime/python-runtime.js";
import { defaultToolsDir } from "../../src/tools/toolset.js";

async function split(...args: string[]): Promise<string> {
  const runtime = await ensurePythonRuntime();
  const r = spawnSync(
    join(runtime.binDir, "python3"),
    [join(defaultToolsDir(), "_split_string.py"), ...args],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const e = (line: number, problem: string, col = 1) => `f.py:${line}:${col}: ${problem}`;

describe("_split_string", () => {
  it("formats every error when given only the new lint output", async () => {
    assert.equal(
      await split(`${e(3, "E999 SyntaxError: x")}\nf.py:7: F821 no column`),
      "- E999 SyntaxError: x\n- F821 no column\n",
    );
  });

  const table: Array<
    [name: string, newLint: string[], oldLint: string[], window: [number, number, number], out: string]
  > = [
    ["an old error above the edit keeps its line", [e(2, "F821 a")], [e(2, "F821 a")], [5, 6, 4], ""],
    [
      "an old error inside the edit is forgotten",
      [e(5, "F821 a")],
      [e(5, "F821 a")],
      [5, 6, 4],
      "- F821 a\n",
    ],
    ["an old error below moves by the change in length", [e(12, "F821 a")], [e(10, "F821 a")], [5, 6, 4], ""],
    [
      "an old error below that did not move as expected is new",
      [e(10, "F821 a")],
      [e(10, "F821 a")],
      [5, 6, 4],
      "- F821 a\n",
    ],
    [
      "a pure insertion (end = start - 1) shifts everything from start",
      [e(8, "F821 a")],
      [e(5, "F821 a")],
      [5, 4, 3],
      "",
    ],
    [
      "a different column is a different error",
      [e(12, "F821 a", 3)],
      [e(10, "F821 a")],
      [5, 6, 4],
      "- F821 a\n",
    ],
  ];
  for (const [name, newLint, oldLint, [start, end, n], out] of table) {
    it(name, async () => {
      assert.equal(
        await split(newLint.join("\n"), oldLint.join("\n"), String(start), String(end), String(n)),
        out,
      );
    });
  }
});
