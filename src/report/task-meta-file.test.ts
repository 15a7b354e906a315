import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError } from "../errors.js";
import { loadTaskMetaFile } from "./task-meta-file.js";

async function file(name: string, text: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "task-meta-")), name);
  await writeFile(path, text);
  return path;
}

test("task metadata: list, {tasks}, id map; camelCase or the task YAML's snake_case", async () => {
  const expected = [{ id: "t1", displayName: "Task one", priorityMetric: "loss", direction: "minimize" }];
  const sources = [
    [
      "a.json",
      JSON.stringify([{ id: "t1", displayName: "Task one", priorityMetric: "loss", direction: "minimize" }]),
    ],
    [
      "b.yaml",
      "tasks:\n  - id: t1\n    name: Task one\n    priority_metric: loss\n    metric_directions: {loss: minimize, acc: maximize}\n",
    ],
    ["c.yaml", "t1:\n  display_name: Task one\n  priority_metric: loss\n  direction: minimize\n"],
  ];
  for (const [name, text] of sources)
    assert.deepEqual(await loadTaskMetaFile(await file(name as string, text as string)), expected, name);
  assert.deepEqual(await loadTaskMetaFile(await file("d.yaml", "- id: t2\n  priority_metric: acc\n")), [
    { id: "t2", displayName: "t2", priorityMetric: "acc", direction: "maximize" },
  ]);
});

test("bad task metadata is a ConfigError naming the file and field", async () => {
  const cases = [
    ["- id: t1\n", /priority metric/],
    ["- id: t1\n  priority_metric: x\n  direction: up\n", /direction/],
    ["[unclosed", /YAML/],
  ] as const;
  for (const [text, message] of cases) {
    const path = await file("bad.yaml", text);
    await assert.rejects(loadTaskMetaFile(path), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, message);
      assert.equal(error.file, path);
      return true;
    });
  }
  await assert.rejects(loadTaskMetaFile("/nonexistent/tasks.yaml"), ConfigError);
});
