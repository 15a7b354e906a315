import { numbered, numberedFile, tinyPng, windowView } from "../golden-view.js";
import type { ToolCase } from "./types.js";

const small = "alpha\nbeta\n\ngamma\ndelta\n";
const smallView = windowView("{WS}/small.txt", 5, ["1:alpha", "2:beta", "3:", "4:gamma", "5:delta"]);
const long = numberedFile(2500);
const x = (n: number) => `x${n}`;
const longView = (first: number, last: number, above: number, below: number) =>
  windowView("{WS}/long.txt", 2500, numbered(first, last, x), { above, below });
const scrollWarning =
  "WARNING: Scrolling many times in a row is very inefficient.\nIf you know what you are looking for, use `search_file <pattern>` instead.";

/** open, goto, scroll_up/scroll_down, create and state. */
export const viewerCases: ToolCase[] = [
  { name: "open without arguments", steps: [["open", 'Usage: open "<file>"']] },
  { name: "open a missing file", steps: [["open missing.txt", "File missing.txt not found"]] },
  {
    name: "open a directory",
    files: { "sub/f.txt": "f\n" },
    steps: [
      [
        "open sub",
        "Error: sub is a directory. You can only open files. Use cd or ls to navigate directories.",
      ],
    ],
  },
  {
    name: "open an image",
    files: { "pic.png": tinyPng },
    steps: [
      [
        "open pic.png",
        "Error: pic.png is an image file. Current environment does not support image viewing.",
      ],
    ],
  },
  { name: "open a small file", files: { "small.txt": small }, steps: [['open "small.txt"', smallView]] },
  {
    name: "open with a line number that is not a number",
    files: { "small.txt": small },
    steps: [
      ["open small.txt 2x", 'Usage: open "<file>" [<line_number>]\nError: <line_number> must be a number'],
    ],
  },
  {
    name: "open past the end warns and shows the end",
    files: { "small.txt": small },
    steps: [
      [
        "open small.txt 50",
        `Warning: <line_number> (50) is greater than the number of lines in the file (5)\nWarning: Setting <line_number> to 5\n${smallView}`,
      ],
    ],
  },
  {
    name: "open at line 0 warns and shows the top",
    files: { "small.txt": small },
    steps: [
      [
        "open small.txt 0",
        `Warning: <line_number> (0) is less than 1\nWarning: Setting <line_number> to 1\n${smallView}`,
      ],
    ],
  },
  {
    name: "open counts a last line without newline; an empty file has 0 lines",
    files: { "noeol.txt": "a\nb", "empty.txt": "" },
    steps: [
      ["open noeol.txt", windowView("{WS}/noeol.txt", 2, ["1:a", "2:b"])],
      ["open empty.txt", "[File: {WS}/empty.txt (0 lines total)]"],
    ],
  },
  {
    name: "open refuses files over 20000 characters only when a line number is given, as the original",
    files: { "big.txt": `${"y".repeat(100)}\n`.repeat(201) },
    steps: [
      [
        "open big.txt 5",
        "The file is larger than 20000 characters, please use 'head -n NUM_LINES' to open it",
      ],
      ["state", '{"open_file": "n/a", "working_dir": "{WS}"}'],
      [
        "open big.txt",
        `[File: {WS}/big.txt (201 lines total)]\n${Array.from({ length: 201 }, (_, i) => `${i + 1}:${"y".repeat(100)}`).join("\n")}`,
      ],
      ["state", '{"open_file": "{WS}/big.txt", "working_dir": "{WS}"}'],
    ],
  },
  {
    name: "a 2,500-line file across scrolls, the scroll warning and goto",
    files: { "long.txt": long },
    steps: [
      ["open long.txt", longView(1, 1000, 0, 1500)],
      ["scroll_down", longView(999, 1998, 998, 502)],
      ["scroll_down", longView(1501, 2500, 1500, 0)],
      ["scroll_up", `${longView(503, 1502, 502, 998)}\n${scrollWarning}`],
      ["scroll_up", `${longView(1, 1000, 0, 1500)}\n${scrollWarning}`],
      ["ls", "long.txt"],
      ["scroll_down", longView(999, 1998, 998, 502)],
      ["goto 1500", longView(1335, 2334, 1334, 166)],
      ["goto 1", longView(1, 1000, 0, 1500)],
      ["open long.txt 1200", longView(1035, 2034, 1034, 466)],
      ["open long.txt 2500", longView(1501, 2500, 1500, 0)],
    ],
  },
  {
    name: "an odd WINDOW uses half-line arithmetic (floor above, round below)",
    files: { "long.txt": numberedFile(100) },
    steps: [
      ["WINDOW=29"],
      ["open long.txt 50", windowView("{WS}/long.txt", 100, numbered(46, 74, x), { above: 45, below: 26 })],
    ],
  },
  {
    name: "goto errors",
    files: { "small.txt": small },
    steps: [
      ["goto 2", "No file open. Use the open command first."],
      ["goto 1 2", "goto allows only one line number at a time."],
      ["open small.txt"],
      ["goto", "Usage: goto <line>"],
      ["goto two", "Usage: goto <line>\nError: <line> must be a number"],
      ["goto 6", "Error: <line> must be less than or equal to 5"],
      ["goto 5", smallView],
    ],
  },
  {
    name: "scrolling without an open file",
    steps: [
      ["scroll_down", "No file open. Use the open command first."],
      ["scroll_up", "No file open. Use the open command first."],
    ],
  },
  {
    name: "create a new file, then an existing one",
    files: { "small.txt": small },
    steps: [
      ["create", "Usage: create <filename>"],
      ["create new.py", windowView("{WS}/new.py", 1, ["1:"])],
      ["create small.txt", `Error: File 'small.txt' already exists.\n${smallView}`],
    ],
    after: { "new.py": "\n" },
  },
  {
    name: "state reports the open file and the working directory",
    files: { "sub/small.txt": small },
    steps: [
      ["state", '{"open_file": "n/a", "working_dir": "{WS}"}'],
      ["cd sub && open small.txt >/dev/null"],
      ["state", '{"open_file": "{WS}/sub/small.txt", "working_dir": "{WS}/sub"}'],
    ],
  },
  {
    name: "validate and submit print the markers with the episode's nonce",
    steps: [
      ["__MLGYM_EVAL_NONCE=n0nce42"],
      ["validate", "<<VALIDATION||n0nce42||VALIDATION>>"],
      ["submit", "<<SUBMISSION||n0nce42||SUBMISSION>>"],
    ],
  },
];
