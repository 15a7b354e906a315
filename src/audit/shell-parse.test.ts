import assert from "node:assert/strict";
import { test } from "node:test";
import { commandWords, parseShell } from "./shell-parse.js";

const CASES: Array<
  [source: string, expected: Array<{ words: string[]; redirects?: unknown[]; heredoc?: string }>]
> = [
  ["ls -la", [{ words: ["ls", "-la"] }]],
  [
    "python train.py > log.txt 2>&1",
    [{ words: ["python", "train.py"], redirects: [{ op: ">", target: "log.txt" }] }],
  ],
  ["echo 'a b' \"c $d\" e\\ f", [{ words: ["echo", "a b", "c $d", "e f"] }]],
  [
    "cd data && cat x.csv | tee -a y.csv; rm z",
    [
      { words: ["cd", "data"] },
      { words: ["cat", "x.csv"] },
      { words: ["tee", "-a", "y.csv"] },
      { words: ["rm", "z"] },
    ],
  ],
  [
    "cat > f.py << 'EOF'\nprint(1) > 2\nEOF\nls",
    [
      { words: ["cat"], redirects: [{ op: ">", target: "f.py" }], heredoc: "print(1) > 2" },
      { words: ["ls"] },
    ],
  ],
  [
    "cat <<-END >>out\n\tline\n\tEND",
    [{ words: ["cat"], redirects: [{ op: ">>", target: "out" }], heredoc: "\tline" }],
  ],
  ["ls &> all.log", [{ words: ["ls"], redirects: [{ op: "&>", target: "all.log" }] }]],
  ["# a comment\nls # another", [{ words: ["ls"] }]],
  [
    "echo $(cat data/answer.csv) > s.csv",
    [
      { words: ["echo", "$(cat data/answer.csv)"], redirects: [{ op: ">", target: "s.csv" }] },
      { words: ["cat", "data/answer.csv"] },
    ],
  ],
  ["echo 'unterminated", [{ words: ["echo", "unterminated"] }]],
];

for (const [source, expected] of CASES) {
  test(`parseShell: ${JSON.stringify(source)}`, () => {
    const got = parseShell(source).map((c) => ({
      words: c.words,
      ...(c.redirects.length > 0 ? { redirects: c.redirects } : {}),
      ...(c.heredoc !== undefined ? { heredoc: c.heredoc } : {}),
    }));
    assert.deepEqual(got, expected);
  });
}

test("commandWords drops sudo, env, timeout and assignments", () => {
  const [command] = parseShell("sudo env A=1 timeout 10 B=2 rm -f x");
  assert.deepEqual(commandWords(command as never), ["rm", "-f", "x"]);
});
