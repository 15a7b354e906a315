import assert from "node:assert/strict";
import { test } from "node:test";
import { commandWords, needsLongTimeout } from "./timeout-rule.js";

const cases: Array<[string, boolean]> = [
  ["python train.py", true],
  ["python3 -m pip install x", true],
  ["cd src && python train.py --epochs 3", true],
  ["CUDA_VISIBLE_DEVICES=0 torchrun --nproc_per_node=1 train.py", true],
  ["time python3 train.py | tee log.txt", true],
  ["nohup python train.py > log 2>&1 &", true],
  ["timeout 100 python train.py", true],
  ["accelerate launch train.py", true],
  ["bash run_all.sh", true],
  ["./train.sh", true],
  ["ls; echo $(python -c 'print(1)')", true],
  ["/home/agent/miniconda3/bin/python train.py", true],
  ["cat my_python_notes.txt", false],
  ["grep -r python .", false],
  ["echo 'python train.py'", false],
  ["ls -la", false],
  ['open "train.py"', false],
  ["edit 1:3 << 'end_of_edit'\nimport torch\npython = 3\nend_of_edit", false],
  ["# python train.py", false],
  ["validate", false],
];

for (const [action, long] of cases) {
  test(`needsLongTimeout(${JSON.stringify(action)}) = ${long}`, () => {
    assert.equal(needsLongTimeout(action), long);
  });
}

test("commandWords skips assignments, wrappers and heredoc bodies", () => {
  assert.deepEqual(commandWords("A=1 B=2 env C=3 make all && ls | wc -l"), ["make", "ls", "wc"]);
  assert.deepEqual(commandWords("cat <<EOF\npython x\nEOF\necho hi"), ["cat", "echo"]);
});
