import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  evaluationMetrics,
  firstDifference,
  formatVerification,
  verifyReplay,
} from "../../src/models/replay.js";
import { readTrajectory } from "../../src/trajectory/read.js";
import { mlgym } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const SHARED = join(ROOT, "..", "shared", "reference", "mlgym-trajectories");
const ORIGINAL_TASKS = "/tmp/mlgym-original/configs/tasks";
const dir = mkdtempSync(join(tmpdir(), "mlgym-verify-"));
const fenced = (cmd: string) => `DISCUSSION\nnext step\n\`\`\`\n${cmd}\n\`\`\``;

test("evaluation metrics are read from a validate observation, numpy scalars and nan included", () => {
  assert.deepEqual(
    evaluationMetrics(
      "Your code produced...\nBaseline Score: {'r2': 0.5}\nEvaluation Score: {'rmse': 30340.1, 'r2': 0.8736}",
    ),
    { rmse: 30340.1, r2: 0.8736 },
  );
  const numpy = evaluationMetrics(
    "Evaluation Score: {'Score': np.float64(-0.25), 'Loss': nan, 'x': -inf, 'y': 1e-05}",
  );
  assert.equal(numpy?.Score, -0.25);
  assert.ok(Number.isNaN(numpy?.Loss));
  assert.equal(numpy?.x, -Infinity);
  assert.equal(numpy?.y, 1e-5);
  assert.equal(evaluationMetrics("Submission artefact not found."), undefined);
  assert.equal(firstDifference("a\nb\nc", "a\nB\nc"), 'line 2: recorded "b", replayed "B"');
  assert.equal(firstDifference("a", "a\nmore"), 'line 2: replay has more lines, from "more"');
});

const sharedRuns = existsSync(SHARED) ? readdirSync(SHARED).sort() : [];
test("each shared trajectory verified against itself is identical at every step and reproduces its score", {
  skip: sharedRuns.length === 0 && `no shared trajectories at ${SHARED}`,
}, () => {
  for (const run of sharedRuns) {
    const file = readdirSync(join(SHARED, run)).find((f) => f.endsWith(".traj"));
    if (!file) continue;
    const traj = readTrajectory(join(SHARED, run, file));
    const v = verifyReplay(traj, traj, { tolerance: 0 });
    assert.ok(v.steps.length > 0 && v.steps.every((s) => s.verdict === "identical"), run);
    assert.equal(v.ok, true, run);
    assert.equal(v.final?.recorded, traj.info.score.at(-1)?.[v.final?.metric ?? ""], run);
    assert.match(formatVerification(v), new RegExp(`${v.steps.length} of ${v.steps.length} steps identical`));
  }
});

/** `mlgym run --model scripted:<file>` on tinyPython; returns the trajectory file. */
function scriptedRun(name: string, responses: string[]): string {
  const script = join(dir, `${name}.json`);
  writeFileSync(script, JSON.stringify(responses));
  const r = mlgym([
    ...["run", "--model", `scripted:${script}`, "--tasks-dir", FIXTURE_TASKS, "--task", "tinyPython"],
    ...["--sandbox", "local", "--output", join(dir, "runs"), "--quiet", "--json"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { trajectory: string }).trajectory;
}

function verify(file: string, extra: string[] = []) {
  return mlgym([
    ...["replay", file, "--tasks-dir", FIXTURE_TASKS, "--task", "tinyPython", "--sandbox", "local"],
    ...["--output", join(dir, "replays"), "--quiet", "--verify", ...extra],
  ]);
}

/** A copy of a trajectory whose every recorded Score is `score` (observations and `info.score`). */
function withRecordedScore(file: string, score: number): string {
  const traj = JSON.parse(readFileSync(file, "utf8")) as {
    trajectory: Array<{ observation: string }>;
    info: { score: Array<Record<string, number>> };
  };
  for (const step of traj.trajectory)
    step.observation = step.observation.replace(
      /Evaluation Score: \{'Score': [^}]*\}/,
      `Evaluation Score: {'Score': ${score}}`,
    );
  traj.info.score = traj.info.score.map(() => ({ Score: score }));
  const copy = join(mkdtempSync(join(dir, "crafted-")), "tinyPython.traj");
  writeFileSync(copy, JSON.stringify(traj));
  return copy;
}

describe("mlgym replay --verify", { concurrency: 2 }, () => {
  const recorded = scriptedRun("improve", [
    fenced("ls"),
    fenced("open strategy.py"),
    fenced('edit 1:3\ndef guess():\n    """Returns the guess."""\n    return 6\nend_of_edit'),
    fenced("validate"),
    fenced("submit"),
  ]);

  it("a faithful replay: every step identical, the final score reproduced, exit 0", () => {
    const r = verify(recorded);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {3}4 {2}identical +validate$/m);
    assert.match(r.stdout, /^5 of 5 steps identical$/m);
    assert.match(r.stdout, /^final Score: recorded 9, replayed 9 \(tolerance 0\): reproduced$/m);
  });

  it("a recorded score the replay does not reach: the evaluation differs and the exit code is 1", () => {
    const r = verify(withRecordedScore(recorded, 8.5));
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {3}4 {2}evaluation differs +validate: Score recorded 8\.5, replayed 9$/m);
    assert.match(r.stdout, /^final Score: recorded 8\.5, replayed 9 \(tolerance 0\): NOT reproduced$/m);
  });

  it("a difference within --tolerance is reported as such and passes; --json gives the rows", () => {
    const r = verify(withRecordedScore(recorded, 8.9), ["--tolerance", "0.25", "--json"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const { verification } = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as {
      verification: ReturnType<typeof verifyReplay>;
    };
    assert.equal(verification.steps[3]?.verdict, "evaluation within tolerance");
    assert.deepEqual(verification.final, {
      metric: "Score",
      recorded: 8.9,
      replayed: 9,
      tolerance: 0.25,
      ok: true,
    });
  });

  it("an observation that differs is shown by its first differing line", () => {
    const traj = JSON.parse(readFileSync(recorded, "utf8")) as { trajectory: Array<{ observation: string }> };
    traj.trajectory[0]!.observation = traj.trajectory[0]!.observation.replace("strategy.py", "strategy.py*");
    const copy = join(mkdtempSync(join(dir, "crafted-")), "tinyPython.traj");
    writeFileSync(copy, JSON.stringify(traj));
    const r = verify(copy);
    assert.equal(r.code, 0, "the final score still reproduces");
    assert.match(
      r.stdout,
      /^ {3}1 {2}differs +ls: line \d+: recorded "strategy\.py\*", replayed "strategy\.py"$/m,
    );
  });
});

const battle = sharedRuns.find((run) => run.includes("__battleOfSexes__"));
test("a shared trajectory of the original replays on the original's task folder within the task's tolerance", {
  skip:
    (!existsSync(ORIGINAL_TASKS) && `no checkout of the original at ${ORIGINAL_TASKS}`) ||
    (!battle && `no shared battleOfSexes trajectory at ${SHARED}`),
}, () => {
  const r = mlgym([
    ...["replay", join(SHARED, battle!, "battleOfSexes.traj"), "--tasks-dir", ORIGINAL_TASKS],
    ...["--output", join(dir, "original"), "--quiet", "--verify"],
  ]);
  // The games are random: the built-in battleOfSexes's tolerance (0.02) applies to the original's Score.
  const final =
    /^final Score: recorded ([\d.]+), replayed ([\d.]+) \(tolerance 0\.02\): (reproduced|NOT reproduced)$/m.exec(
      r.stdout,
    );
  assert.ok(final, r.stdout + r.stderr);
  assert.equal(Math.abs(Number(final[1]) - Number(final[2])) <= 0.02, final[3] === "reproduced");
  assert.equal(r.code, final[3] === "reproduced" ? 0 : 1);
  // Edits on the original's own files land where they did: most edit steps reproduce exactly.
  assert.ok((r.stdout.match(/ identical +edit /g) ?? []).length >= 4, r.stdout);
});

test("an older file's empty submit observation matches our 'Exited (submit)'; nothing else is forgiven", {
  skip: !battle && `no shared battleOfSexes trajectory at ${SHARED}`,
}, () => {
  const recorded = readTrajectory(join(SHARED, battle!, "battleOfSexes.traj"));
  assert.equal(recorded.trajectory.at(-1)?.observation, "", "the shared file is of the older kind");
  const replayed = structuredClone(recorded);
  replayed.trajectory.at(-1)!.observation = "Exited (submit)";
  assert.ok(verifyReplay(recorded, replayed, { tolerance: 0 }).steps.every((s) => s.verdict === "identical"));
  // The other way round, or another text, is a difference.
  assert.equal(verifyReplay(replayed, recorded, { tolerance: 0 }).steps.at(-1)?.verdict, "differs");
  replayed.trajectory.at(-1)!.observation = "Exited (exit_cost)";
  assert.equal(verifyReplay(recorded, replayed, { tolerance: 0 }).steps.at(-1)?.verdict, "differs");
});
