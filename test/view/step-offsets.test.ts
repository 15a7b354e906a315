import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ACTION_HEAD, scanStepOffsets } from "../../src/view/step-offsets.js";
import { actionLine, TrajectoryFiles } from "../../src/view/trajectory-file.js";
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

test("the outline kept by the scan matches each step's parsed action and re-queries, long actions included", async () => {
  const { root } = await viewerFixture();
  const long = "x".repeat(ACTION_HEAD);
  const actions: unknown[] = [
    "ls -a\n",
    "\n\n   python train.py --lr 0.1   \nmore",
    `edit 1:400\n${long}\nend_of_edit`,
    // First lines that run past the head kept by the scan: plain, escaped and multi-byte characters at the cut.
    `${"a".repeat(ACTION_HEAD - 3)}"\\ tail`,
    `a${"é".repeat(ACTION_HEAD / 2 + 1)} tail`,
    `ab${"😀".repeat(ACTION_HEAD / 4 + 1)}`,
    `${"\u0001".repeat(ACTION_HEAD / 6 + 2)}x`,
    `${" ".repeat(ACTION_HEAD + 10)}after blanks`,
    "exit_format",
    null,
    { name: "not text" },
  ];
  const trajectory = actions.map((action, i) => ({
    action,
    observation: `obs "action": "decoy" ${i}`,
    ...(i % 3 === 1 ? { requeries: Array.from({ length: i }, () => ({ response: "[{", error: "e" })) } : {}),
    ...(i === 6 ? { requeries: [] } : {}),
    thought: "action",
  }));
  const file = join(root, "actions.traj");
  writeFileSync(file, JSON.stringify({ trajectory, history: [{ action: "x" }], info: {} }, null, 2));
  const expected = trajectory.map((s) => ({
    action: typeof s.action === "string" ? (actionLine(s.action) ?? "") : "",
    requeries: s.requeries?.length ?? (s.action === "exit_format" ? 3 : 0),
  }));
  assert.equal(expected[1]?.action, "python train.py --lr 0.1");
  assert.equal(expected[3]?.action.length, 120);
  for (const chunk of [1, 5, 64, 1 << 20]) {
    const offsets = scanStepOffsets(file, chunk);
    assert.deepEqual(offsets.requeries, [-1, 1, -1, -1, 4, -1, 0, 7, -1, -1, 10], `chunk ${chunk}`);
    // Heads that settle the first line need no second read; the scan kept them.
    assert.equal(offsets.actionHeads[0], "ls -a\n");
    assert.equal(offsets.actionCut[2], true);
    assert.equal(actionLine(offsets.actionHeads[2] ?? "", true), "edit 1:400");
    // A head cut inside an escape or a character ends before it, and still decodes.
    assert.equal(offsets.actionHeads[3], `${"a".repeat(ACTION_HEAD - 3)}"`);
    assert.equal(offsets.actionHeads[4], `a${"é".repeat(ACTION_HEAD / 2 - 1)}`);
    assert.equal(offsets.actionHeads[5], `ab${"😀".repeat(ACTION_HEAD / 4 - 1)}`);
    assert.equal(offsets.actionHeads[6], "\u0001".repeat(Math.floor(ACTION_HEAD / 6)));
  }
  const outline = new TrajectoryFiles().outline(file);
  assert.deepEqual(
    outline.map(({ action, requeries }) => ({ action, requeries })),
    expected,
  );
  assert.deepEqual(
    outline.map((s) => s.recorded === true),
    trajectory.map((s) => "requeries" in s),
  );
});
