import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePythonJson } from "../python-json.js";
import { parseRunFolderName } from "./run-folder.js";

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
