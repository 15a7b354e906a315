import { numbered, numberedFile, windowView } from "../golden-view.js";
import type { ToolCase } from "./types.js";

const code = "import os\n\n\ndef cwd():\n    return os.getcwd()\n";
const codeLines = ["1:import os", "2:", "3:", "4:def cwd():", "5:    return os.getcwd()"];
const codeView = windowView("{WS}/code.py", 5, codeLines);
const updated =
  "File updated. Please review the changes and make sure they are correct (correct indentation, no duplicate lines, etc). Edit the file again if necessary.";
const ruler = "-------------------------------------------------";
const later = "y = 2\nprint(undefined_a)\n";
const vars = Array.from({ length: 40 }, (_, i) => `v${i + 1} = ${i + 1}\n`).join("");
const varLine = (n: number) => (n === 20 ? "    v20 = 20" : `v${n} = ${n}`);

function rollback(kind: "edit" | "insert", errors: string[], applied: string, original: string): string {
  const noun = kind === "edit" ? "edit" : "insertion";
  const args = kind === "edit" ? "start/end line arguments" : "line number argument";
  return [
    `Your proposed ${noun} has introduced new syntax error(s). Please read this error message carefully and then retry editing the file.`,
    "ERRORS:",
    ...errors,
    `This is how your ${noun} would have looked if applied`,
    ruler,
    applied,
    ruler,
    `This is the original code before your ${noun}`,
    ruler,
    original,
    ruler,
    `Your changes have NOT been applied. Please fix your ${kind} command and try again.`,
    `You either need to 1) Specify the correct ${args} or 2) Correct your ${noun} code.`,
    `DO NOT re-run the same failed ${kind} command. Running it again will lead to the same error.`,
  ].join("\n");
}

/** edit and insert: arguments, success, pure insertion, deletion, flake8 rollback, read-only files. */
export const editCases: ToolCase[] = [
  {
    name: "edit and insert without an open file",
    steps: [
      ["edit 1:1\nx\nend_of_edit", "No file open. Use the `open` command first."],
      ["insert 1\nx\nend_of_insert", "No file open. Use the `open` command first."],
    ],
  },
  {
    name: "edit and insert argument errors",
    files: { "code.py": code },
    steps: [
      ["open code.py"],
      ["edit\nend_of_edit", "Usage: edit <start_line>:<end_line>"],
      ["edit 3\nend_of_edit", "Usage: edit <start_line>:<end_line>"],
      ["edit a:2\nend_of_edit", "Usage: edit <start_line>:<end_line>\nError: start_line must be a number"],
      ["edit 1:b\nend_of_edit", "Usage: edit <start_line>:<end_line>\nError: end_line must be a number"],
      ["insert\nend_of_insert", "Usage: insert <line_number>"],
      ["insert x\nend_of_insert", "Usage: insert <line_number>\nError: line_number must be a number"],
    ],
    after: { "code.py": code },
  },
  {
    name: "edit replaces a range and shows the file",
    files: { "code.py": code },
    steps: [
      ["open code.py"],
      [
        'edit 5:5\n    return os.getcwd() + "/"\nend_of_edit',
        `${windowView("{WS}/code.py", 5, [...codeLines.slice(0, 4), '5:    return os.getcwd() + "/"'])}\n${updated}`,
      ],
    ],
    after: { "code.py": 'import os\n\n\ndef cwd():\n    return os.getcwd() + "/"\n' },
  },
  {
    name: "edit k:k-1 inserts before line k; an empty replacement deletes",
    files: { "code.py": code },
    steps: [
      ["open code.py"],
      [
        "edit 4:3\n# helper\nend_of_edit",
        `${windowView("{WS}/code.py", 6, ["1:import os", "2:", "3:", "4:# helper", "5:def cwd():", "6:    return os.getcwd()"])}\n${updated}`,
      ],
      [
        "edit 2:3\nend_of_edit",
        `${windowView("{WS}/code.py", 4, ["1:import os", "2:# helper", "3:def cwd():", "4:    return os.getcwd()"])}\n${updated}`,
      ],
    ],
    after: { "code.py": "import os\n# helper\ndef cwd():\n    return os.getcwd()\n" },
  },
  {
    name: "edit that breaks Python is rolled back",
    files: { "code.py": code },
    steps: [
      ["open code.py"],
      [
        "edit 4:4\ndef cwd()\nend_of_edit",
        rollback(
          "edit",
          ["- E999 SyntaxError: expected ':'"],
          windowView("{WS}/code.py", 5, [...codeLines.slice(0, 3), "4:def cwd()", codeLines[4]!]),
          codeView,
        ),
      ],
      ["state", '{"open_file": "{WS}/code.py", "working_dir": "{WS}"}'],
    ],
    after: { "code.py": code },
  },
  {
    name: "rollback windows inside a longer file",
    files: { "vars.py": vars },
    steps: [
      ["open vars.py"],
      [
        "edit 20:20\n    v20 = 20\nend_of_edit",
        rollback(
          "edit",
          ["- E999 IndentationError: unexpected indent"],
          windowView("{WS}/vars.py", 40, numbered(14, 24, varLine), { above: 13, below: 16 }),
          windowView(
            "{WS}/vars.py",
            40,
            numbered(15, 25, (n) => `v${n} = ${n}`),
            { above: 14, below: 15 },
          ),
        ),
      ],
    ],
    after: { "vars.py": vars },
  },
  {
    name: "edit that adds an undefined name is rolled back",
    files: { "code.py": code },
    steps: [
      ["open code.py"],
      [
        "edit 5:5\n    return undefined_b\nend_of_edit",
        rollback(
          "edit",
          ["- F821 undefined name 'undefined_b'"],
          windowView("{WS}/code.py", 5, [...codeLines.slice(0, 4), "5:    return undefined_b"]),
          codeView,
        ),
      ],
    ],
    after: { "code.py": code },
  },
  {
    name: "errors that were there before the edit, moved by it, do not block it",
    files: { "later.py": `x = 1\n${later}` },
    steps: [
      ["open later.py"],
      [
        "edit 1:1\nx = 1\nz = 3\nend_of_edit",
        `${windowView("{WS}/later.py", 4, ["1:x = 1", "2:z = 3", "3:y = 2", "4:print(undefined_a)"])}\n${updated}`,
      ],
      [
        "insert 0\nw = 0\nend_of_insert",
        `${windowView("{WS}/later.py", 5, ["1:w = 0", "2:x = 1", "3:z = 3", "4:y = 2", "5:print(undefined_a)"])}\n${updated}`,
      ],
    ],
    after: { "later.py": `w = 0\nx = 1\nz = 3\n${later}` },
  },
  {
    name: "non-Python files are not linted",
    files: { "notes.txt": "one\ntwo\n" },
    steps: [
      ["open notes.txt"],
      ["edit 1:2\n  def (\nend_of_edit", `${windowView("{WS}/notes.txt", 1, ["1:  def ("])}\n${updated}`],
    ],
    after: { "notes.txt": "  def (\n" },
  },
  {
    name: "edit of a read-only file",
    files: { "ro.py": code },
    readOnly: ["ro.py"],
    steps: [
      ["open ro.py"],
      ["edit 1:1\nimport sys\nend_of_edit", "Error: You cannot edit read-only file {WS}/ro.py"],
      ["insert 1\nimport sys\nend_of_insert", "Error: You cannot edit read-only file {WS}/ro.py"],
    ],
    after: { "ro.py": code },
  },
  {
    name: "edit of an open file that was deleted meanwhile",
    files: { "gone.txt": "a\n" },
    steps: [["open gone.txt"], ["rm gone.txt"], ["edit 1:1\nb\nend_of_edit", "File {WS}/gone.txt not found"]],
  },
  {
    name: "edit in a 2,500-line file recentres the window on the edit",
    files: { "long.txt": numberedFile(2500) },
    steps: [
      ["open long.txt"],
      [
        "edit 1500:1500\nchanged\nend_of_edit",
        `${windowView(
          "{WS}/long.txt",
          2500,
          numbered(1000, 1999, (n) => (n === 1500 ? "changed" : `x${n}`)),
          { above: 999, below: 501 },
        )}\n${updated}`,
      ],
    ],
  },
  {
    name: "insert adds text after a line",
    files: { "code.py": code },
    steps: [
      ["open code.py"],
      [
        "insert 1\nimport sys\nend_of_insert",
        `${windowView("{WS}/code.py", 6, ["1:import os", "2:import sys", ...numbered(3, 6, (n) => codeLines[n - 2]!.replace(/^\d+:/, ""))])}\n${updated}`,
      ],
    ],
    after: { "code.py": `import os\nimport sys${code.slice("import os".length)}` },
  },
  {
    name: "insert that breaks Python is rolled back",
    files: { "code.py": code },
    steps: [
      ["open code.py"],
      [
        "insert 5\n  x = 1\nend_of_insert",
        rollback(
          "insert",
          ["- E999 IndentationError: unindent does not match any outer indentation level"],
          windowView("{WS}/code.py", 6, [...codeLines, "6:  x = 1"]),
          codeView,
        ),
      ],
    ],
    after: { "code.py": code },
  },
];
