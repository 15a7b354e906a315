import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { scanStepOffsets } from "../../src/view/step-offsets.js";
import { TrajectoryFiles } from "../../src/view/trajectory-file.js";
import { viewerFixture } from "./fixtures.js";

test("step offsets delimit exactly the steps and info that JSON.parse finds", async () => {
  const { root } = await viewerFixture();
  const file = join(root, "modelA__toyTask__default_run_0", "toyTask.traj");
  const text = readFileSync(file);
  const parsed = JSON.parse(text.toString("utf8"));
  const offsets = scanStepOffsets(file);
  assert.equal(offsets.starts.length, parsed.trajectory.length);
  offsets.starts.forEach((start, i) => {
    const slice = text.subarray(start, offsets.ends[i]).toString("utf8");
    assert.deepEqual(JSON.parse(slice), parsed.trajectory[i]);
  });
  assert.ok(offsets.info);
  assert.deepEqual(JSON.parse(text.subarray(offsets.info[0], offsets.info[1]).toString("utf8")), parsed.info);
});

test("a file cut while being written gives its complete steps only", async () => {
  const { root } = await viewerFixture();
  const file = join(root, "modelA__toyTask__default_run_0", "toyTask.traj");
  const text = readFileSync(file, "utf8");
  const cut = join(root, "cut.traj");
  const thirdStep = text.indexOf('"action": "edit 1:2"');
  writeFileSync(cut, text.slice(0, thirdStep + 5));
  assert.equal(scanStepOffsets(cut).starts.length, 2);
  assert.equal(scanStepOffsets(cut).info, undefined);
});

test("steps are read by range and the outline follows a rewritten file", async () => {
  const { root, live } = await viewerFixture();
  const files = new TrajectoryFiles();
  const file = live.trajectoryFile;
  assert.equal(files.stepCount(file), 2);
  assert.deepEqual(
    files.steps(file, 1, 5).map((s) => s.action),
    ["validate"],
  );
  assert.equal(files.outline(file)[1]?.requeries, 2);
  live.step(
    { action: "submit", observation: "ok", response: "", state: "", thought: "", execution_time: 0 },
    { scores: [{ accuracy: 0.55 }, { accuracy: 0.6 }], exitStatus: "submitted" },
  );
  await live.settled();
  assert.equal(files.stepCount(file), 3);
  assert.equal(files.outline(file)[2]?.action, "submit");
  assert.equal(files.info(file).exit_status, "submitted");
  assert.ok(root);
});

test("escaped quotes and runs of backslashes are found across any chunk boundary", async () => {
  const { root } = await viewerFixture();
  const tricky = ['a \\" b', "\\\\", '\\\\\\"}]{[', "é ü 😀 \\u0022", '"', "\\"];
  const document = {
    environment: 'env "x" \\',
    "trajectory ": [{ action: "decoy key with a space" }],
    trajectory: tricky.map((t, i) => ({ action: `step ${i}`, observation: t, thought: `${t}${t}` })),
    history: [{ role: "user", content: '{"trajectory": [1, 2]}' }],
    info: { exit_status: 'sub"mitted\\', model_stats: { total_cost: 1 } },
  };
  const file = join(root, "tricky.traj");
  writeFileSync(file, JSON.stringify(document, null, 1));
  const bytes = readFileSync(file);
  for (const chunk of [1, 2, 3, 7, 64, 1 << 20]) {
    const offsets = scanStepOffsets(file, chunk);
    const steps = offsets.starts.map((s, i) =>
      JSON.parse(bytes.subarray(s, offsets.ends[i]).toString("utf8")),
    );
    assert.deepEqual(steps, document.trajectory, `chunk ${chunk}`);
    const [from, to] = offsets.info ?? [0, 0];
    assert.deepEqual(JSON.parse(bytes.subarray(from, to).toString("utf8")), document.info, `chunk ${chunk}`);
  }
});
