import type { ToolCase } from "./types.js";

const tree: Record<string, string | Buffer> = {
  "a.txt": "apple pie\nbanana\napple tart\n",
  "sub/b.txt": "an apple\n",
  "sub/deeper/c.md": "no fruit\n",
  ".hidden/h.txt": "apple\n",
  "bin.dat": Buffer.from([0, 1, 2, ...Buffer.from("apple\n")]),
};
const many: Record<string, string> = Object.fromEntries(
  Array.from({ length: 101 }, (_, i) => [`many/f${String(i).padStart(3, "0")}.txt`, "needle\n"]),
);
const lots = Array.from({ length: 150 }, (_, i) => `hit ${i + 1}`).join("\n");

/** search_dir, search_file and find_file. */
export const searchCases: ToolCase[] = [
  {
    name: "search_dir usage and missing directory",
    steps: [
      ["search_dir", "Usage: search_dir <search_term> [<dir>]"],
      ["search_dir a b c", "Usage: search_dir <search_term> [<dir>]"],
      ["search_dir apple nodir", "Directory nodir not found"],
    ],
  },
  {
    name: "search_dir counts matching lines per file, skipping hidden and binary files",
    files: tree,
    steps: [
      [
        "search_dir apple",
        'Found 3 matches for "apple" in {WS}:\n{WS}/a.txt (2 matches)\n{WS}/sub/b.txt (1 matches)\nEnd of matches for "apple" in {WS}',
      ],
      [
        "search_dir apple sub",
        'Found 1 matches for "apple" in {WS}/sub:\n{WS}/sub/b.txt (1 matches)\nEnd of matches for "apple" in {WS}/sub',
      ],
      ["search_dir kiwi", 'No matches found for "kiwi" in {WS}'],
    ],
  },
  {
    name: "search_dir with more than 100 matching files",
    files: many,
    steps: [
      [
        "search_dir needle many",
        'More than 101 files matched for "needle" in {WS}/many. Please narrow your search.',
      ],
    ],
  },
  {
    name: "search_file in a named file and in the open file",
    files: tree,
    steps: [
      ["search_file", "Usage: search_file <search_term> [<file>]"],
      [
        "search_file apple nofile.txt",
        "Usage: search_file <search_term> [<file>]\nError: File name nofile.txt not found. Please provide a valid file name.",
      ],
      ["search_file apple", "No file open. Use the open command first."],
      [
        "search_file apple a.txt",
        'Found 2 matches for "apple" in {WS}/a.txt:\nLine 1:apple pie\nLine 3:apple tart\nEnd of matches for "apple" in {WS}/a.txt',
      ],
      ["search_file kiwi a.txt", 'No matches found for "kiwi" in {WS}/a.txt'],
      ["open sub/b.txt >/dev/null"],
      [
        "search_file apple",
        'Found 1 matches for "apple" in {WS}/sub/b.txt:\nLine 1:an apple\nEnd of matches for "apple" in {WS}/sub/b.txt',
      ],
    ],
  },
  {
    name: "search_file with more than 100 matching lines",
    files: { "lots.txt": lots },
    steps: [
      [
        "search_file hit lots.txt",
        'More than 150 lines matched for "hit" in {WS}/lots.txt. Please narrow your search.',
      ],
    ],
  },
  {
    name: "find_file by name and by wildcard",
    files: tree,
    steps: [
      ["find_file", "Usage: find_file <file_name> [<dir>]"],
      ["find_file b.txt nodir", "Directory nodir not found"],
      ["find_file kiwi.py", 'No matches found for "kiwi.py" in {WS}'],
      [
        'find_file "*.txt"',
        'Found 3 matches for "*.txt" in {WS}:\n{WS}/.hidden/h.txt\n{WS}/a.txt\n{WS}/sub/b.txt',
      ],
      ["find_file b.txt sub", 'Found 1 matches for "b.txt" in {WS}/sub:\n{WS}/sub/b.txt'],
    ],
  },
];
