import assert from "node:assert/strict";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parsePythonJson } from "../python-json.js";
import { findRunFolders, findRunPaths, parseRunFolderName } from "./run-folder.js";

test("run folder names: model without metagen-, task, run index", () => {
  const table: Array<[string, ReturnType<typeof parseRunFolderName>]> = [
    [
      "metagen-gpt-o1__battleOfSexes__default__t-0.00__p-0.95__c-4.00__install-0__parallel_agents_run_3",
      { model: "gpt-o1", taskId: "battleOfSexes", runIndex: 3 },
    ],
    ["scripted__tinyTask__default__t-0.00__run_0", { model: "scripted", taskId: "tinyTask", runIndex: 0 }],
    ["litellm-gpt-4o__3SATTime_run_12", { model: "litellm-gpt-4o", taskId: "3SATTime", runIndex: 12 }],
    ["model__task", { model: "model", taskId: "task", runIndex: undefined }],
    ["just-a-folder", undefined],
    ["metagen-__task__x", undefined],
    ["model____x", undefined],
  ];
  for (const [name, expected] of table) assert.deepEqual(parseRunFolderName(name), expected, name);
});

test("Python-style JSON: bare NaN / Infinity become numbers, strings are left alone", () => {
  assert.deepEqual(parsePythonJson('{"a": [NaN, Infinity, -Infinity, 1], "s": "NaN Infinity"}'), {
    a: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1],
    s: "NaN Infinity",
  });
  assert.deepEqual(parsePythonJson('{"quote \\" NaN": 2}'), { 'quote " NaN': 2 });
  assert.throws(() => parsePythonJson("{nope"));
});

test("run folders are found by name or content, nested, sorted, relative or absolute", async () => {
  const root = await mkdtemp(join(tmpdir(), "mlgym-run-folders-"));
  const folders = [
    "m__taskB__x_run_1",
    "m__taskA__x_run_0",
    "batch/n__taskA__x_run_0",
    "batch/deeper/plain-name-with-results",
    ".hidden/m__taskA__x_run_9",
  ];
  for (const folder of folders) await mkdir(join(root, folder), { recursive: true });
  await writeFile(join(root, "batch/deeper/plain-name-with-results/results.json"), "{}");
  await writeFile(join(root, "notes.txt"), "not a run");
  const expected = [
    "batch/deeper/plain-name-with-results",
    "batch/n__taskA__x_run_0",
    "m__taskA__x_run_0",
    "m__taskB__x_run_1",
  ];
  assert.deepEqual(await findRunPaths(root), expected);
  assert.deepEqual(
    await findRunFolders(root),
    expected.map((p) => join(root, p)),
  );
  // A run folder given as the root is the one run.
  const single = join(root, "m__taskA__x_run_0");
  await writeFile(join(single, "results.json"), "{}");
  assert.deepEqual(await findRunPaths(single), [""]);
  assert.deepEqual(await findRunFolders(single), [single]);
  await assert.rejects(findRunPaths(join(root, "missing")), /ENOENT/);
});
