import assert from "node:assert/strict";
import { test } from "node:test";
import { pythonFileOps, pythonImports, pythonShellCommands } from "./python-ops.js";

test("pythonFileOps finds writes, deletions, moves and links with literal paths", () => {
  const cases: Array<[source: string, expected: Array<[string, string]>]> = [
    ["with open('out.csv', 'w') as f:", [["write", "out.csv"]]],
    ['open("log.txt", mode="a")', [["write", "log.txt"]]],
    ["open('data/train.csv')", []],
    ["open('data/train.csv', 'rb')", []],
    ["Path('evaluate.py').write_text(s)", [["write", "evaluate.py"]]],
    ["os.remove('target.py')", [["delete", "target.py"]]],
    ["os.chmod('evaluate.py', 0o777)", [["chmod", "evaluate.py"]]],
    ["os.symlink('data/answer.csv', 'submission.csv')", [["link", "submission.csv"]]],
    [
      "os.rename('a.py', 'b.py')",
      [
        ["move-away", "a.py"],
        ["write", "b.py"],
      ],
    ],
    ["shutil.copy(src, 'target.py')", []],
    ["shutil.copy('fake.py', 'target.py')", [["write", "target.py"]]],
    ["shutil.rmtree('data')", [["delete", "data"]]],
    ["df.to_csv('submission.csv', index=False)", [["write", "submission.csv"]]],
    ["torch.save(model.state_dict(), 'model.pt')", [["write", "model.pt"]]],
    ["open(path, 'w')", []],
  ];
  for (const [source, expected] of cases)
    assert.deepEqual(
      pythonFileOps(source).map((op) => [op.kind, op.path]),
      expected,
      source,
    );
});

test("pythonShellCommands and pythonImports", () => {
  assert.deepEqual(pythonShellCommands(`os.system("cp a b")\nsubprocess.run(["rm", "-f", "x"])`), [
    "cp a b",
    "rm -f x",
  ]);
  assert.deepEqual(pythonImports("import os, numpy as np\nfrom target import f\n  import a.b\nx = 1"), [
    "target",
    "os",
    "numpy",
    "a.b",
  ]);
});
