import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  FormatError,
  mlgymThoughtActionParser,
  thoughtActionParser,
  xmlThoughtActionParser,
} from "./parser.js";

const cases: Array<[string, string, string]> = [
  ["DISCUSSION\nlist files\n```\nls -a\n```", "DISCUSSION\nlist files\n", "ls -a\n"],
  ["think\n```bash\nls\n```\nafter", "think\nafter", "ls\n"],
  ["```\n```", "", ""],
  ["a\n```python\nprint(1)\n```\n", "a\n", "print(1)\n"],
  ["x\n```\nedit 1:2\nfoo\nend_of_edit\n```", "x\n", "edit 1:2\nfoo\nend_of_edit\n"],
];

for (const [response, thought, action] of cases) {
  test(`thoughtActionParser(${JSON.stringify(response).slice(0, 40)})`, () => {
    assert.deepEqual(thoughtActionParser(response), { thought, action });
  });
}

test("nested fences: the outermost block is the action", () => {
  const r = thoughtActionParser("t\n```\ncat <<EOF\n```python\nx\n```\nEOF\n```");
  assert.equal(r.action, "cat <<EOF\n```python\nx\n```\nEOF\n");
});

test("format errors: no block, more than one block, inline fences", () => {
  assert.throws(() => thoughtActionParser("just talking"), FormatError);
  assert.throws(
    () => mlgymThoughtActionParser("```\nls\n```\nand\n```\npwd\n```"),
    /more than one command block/,
  );
  assert.throws(() => mlgymThoughtActionParser("see ```python\nprint(1)```"), FormatError);
  assert.deepEqual(xmlThoughtActionParser("do it <command>ls</command>"), { thought: "do it", action: "ls" });
});

test("every response in the original's trajectories parses to its recorded thought and action", () => {
  const root = join(process.cwd(), "..", "shared", "reference", "mlgym-trajectories");
  let checked = 0;
  for (const dir of readdirSync(root)) {
    for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith(".traj"))) {
      const traj = JSON.parse(readFileSync(join(root, dir, file), "utf8")) as {
        trajectory: Array<{ response: string; thought: string; action: string }>;
      };
      for (const step of traj.trajectory) {
        if (/^exit_|^Exit due to/.test(step.action) || step.response.startsWith("Exit due to")) continue;
        assert.deepEqual(
          mlgymThoughtActionParser(step.response),
          { thought: step.thought, action: step.action },
          `${dir}`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `checked ${checked} responses`);
});
