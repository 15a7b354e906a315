import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readResults, readTrajectory } from "./read.js";
import { TrajectoryRecorder } from "./recorder.js";

const step = (action: string, observation: string) => ({
  action,
  observation,
  response: "",
  state: "",
  thought: "",
  execution_time: 0.5,
});

test("the recorder writes the original's .traj and results.json, current after every settled change", async () => {
  const dir = join(mkdtempSync(join(tmpdir(), "mlgym-recorder-")), "task__ep");
  try {
    const r = new TrajectoryRecorder({
      dir,
      taskId: "task",
      baseline: { Score: 1 },
      policyVersion: "v2",
      episodeId: "ep",
    });
    r.start("the task");
    r.step(step("validate", "Your code produced a valid submission"), { scores: [{ Score: 2 }] });
    await r.settled();
    let traj = readTrajectory(r.trajectoryFile);
    assert.equal(traj.trajectory.length, 1);
    assert.equal(traj.info.exit_status, "");
    assert.deepEqual(
      traj.history.map((h) => [h.role, h.content]),
      [
        ["user", "the task"],
        ["assistant", "validate"],
        ["user", "Your code produced a valid submission"],
      ],
    );
    for (let i = 0; i < 20; i++) r.step(step(`echo ${i}`, String(i)), { scores: [{ Score: 2 }] });
    r.step(step("submit", "Exited (submit)"), {
      scores: [{ Score: 2 }, { Score: 3 }],
      submission: "/w/s.csv",
      exitStatus: "submitted",
    });
    // Nothing after the end is recorded, and end() does not overwrite the status the last step gave.
    r.step(step("ls", ""), { scores: [] });
    r.end("unfinished (close)");
    await r.settled();
    traj = readTrajectory(r.trajectoryFile);
    assert.equal(traj.trajectory.length, 22);
    assert.equal(traj.info.exit_status, "submitted");
    assert.equal(traj.info.submission, "/w/s.csv");
    assert.equal(traj.info.policy_version, "v2");
    assert.equal(JSON.parse(readFileSync(r.trajectoryFile, "utf8")).info.episode_id, "ep");
    assert.deepEqual(readResults(r.resultsFile), {
      agent: [{ Score: 2 }, { Score: 3 }],
      baseline: { Score: 1 },
    });
    assert.deepEqual(readdirSync(dir).sort(), ["results.json", "task.traj"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an episode no step ended is recorded with the status it was ended with", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-recorder-"));
  try {
    const r = new TrajectoryRecorder({ dir, taskId: "t" });
    r.start("x");
    r.step(step("ls", "a"), { scores: [] });
    r.end("unfinished (disconnect)");
    await r.settled();
    assert.equal(readTrajectory(r.trajectoryFile).info.exit_status, "unfinished (disconnect)");
    assert.deepEqual(readResults(r.resultsFile), { agent: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
