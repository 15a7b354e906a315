import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { mlgymProcess } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const CLIENT_DIR = join(ROOT, "clients", "python");
const PYTHON = process.env.PYTHON ?? "python3";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function python(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      PYTHON,
      args,
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000, encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function readTrajectory(dir: string, task: string) {
  const file = join(dir, `${task}.traj`);
  assert.ok(existsSync(file), `no trajectory at ${file}`);
  return JSON.parse(readFileSync(file, "utf8")) as {
    trajectory: { action: string }[];
    info: { exit_status?: string; policy_version?: string; episode_id?: string; score?: unknown[] };
  };
}

/** Writes submission.csv with the rule the tinyCsv task hints at (label 1 when x > 0.5): accuracy 1 on its data. */
const GOOD_CSV_SUBMISSION =
  "python -c \"import csv; rows = list(csv.DictReader(open('data/test.csv'))); " +
  "open('submission.csv', 'w').write('id,label\\n' + ''.join(r['id'] + ',' + str(int(float(r['x']) > 0.5)) + '\\n' for r in rows))\"";

describe("the Python client against the real `mlgym serve`", () => {
  const output = mkdtempSync(join(tmpdir(), "mlgym-pyclient-"));
  let server: ReturnType<typeof mlgymProcess>;
  let url = "";

  before(async () => {
    server = mlgymProcess([
      "serve",
      "--port",
      "0",
      "--tasks-dir",
      FIXTURE_TASKS,
      "--tasks",
      "tinyCsv,tinyPython",
      "--max-envs",
      "2",
      "--output",
      output,
    ]);
    const m = await server.waitFor(/listening on (http:\/\/[0-9.]+:\d+)/);
    url = m?.[1] ?? "";
    for (let i = 0; ; i++) {
      const health = await fetch(`${url}/health`).catch(() => undefined);
      if (health?.ok) break;
      if (i > 100) throw new Error(`${url}/health never answered`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  after(async () => {
    server.child.kill("SIGTERM");
    await server.exited;
    rmSync(output, { recursive: true, force: true });
  });

  test("the client's own unit tests pass (stand-in server)", async () => {
    const run = await python(["-m", "unittest", join(CLIENT_DIR, "test_mlgym_client.py")]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Ran \d+ tests/);
    assert.match(run.stderr, /\nOK\s*$/);
  });

  test("example.py plays an episode to the end and the server writes its trajectory", async () => {
    const run = await python([
      join(CLIENT_DIR, "example.py"),
      "--url",
      url,
      "--task",
      "tinyPython",
      "--episode-id",
      "example-1",
      "--policy-version",
      "policy-7",
    ]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /^tasks: tinyCsv, tinyPython$/m);
    assert.match(run.stdout, /Evaluation Score: \{'Score': 7\}/);
    assert.match(run.stdout, /episode example-1: 3 steps, exit status submitted/);
    assert.match(run.stdout, /^score: \{'Score': 7\}$/m);
    const traj = readTrajectory(join(output, "tinyPython__example-1"), "tinyPython");
    assert.deepEqual(
      traj.trajectory.map((s) => s.action),
      ["ls", "validate", "submit"],
    );
    assert.equal(traj.info.exit_status, "submitted");
    assert.equal(traj.info.policy_version, "policy-7");
    assert.equal(traj.info.episode_id, "example-1");
    const results = JSON.parse(readFileSync(join(output, "tinyPython__example-1", "results.json"), "utf8"));
    assert.deepEqual(results.agent, [{ Score: 7 }, { Score: 7 }]);
  });

  test("the TRL-shaped adapter plays an episode through its tool methods and earns the improvement reward", async () => {
    const run = await python([
      join(CLIENT_DIR, "example.py"),
      "--url",
      url,
      "--task",
      "tinyCsv",
      "--trl",
      "--episode-id",
      "trl-1",
      "--policy-version",
      "step-100",
      "--command",
      GOOD_CSV_SUBMISSION,
      "--command",
      "validate",
      "--command",
      "submit",
    ]);
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.match(
      run.stdout,
      /^tools: bash, create, edit, find_file, goto, insert, open, scroll_down, scroll_up, search_dir, search_file, submit, validate$/m,
    );
    assert.match(run.stdout, /Evaluation Score: \{'accuracy': 1/);
    assert.match(run.stdout, /The episode has ended: submitted/);
    const reward = Number(/^reward: (\S+)$/m.exec(run.stdout)?.[1]);
    assert.ok(Math.abs(reward - (1 - 0.6) / 0.6) < 1e-9, `reward ${reward}`); // baseline accuracy 0.6
    assert.match(run.stdout, /^best score: 1(\.0)?$/m);
    const traj = readTrajectory(join(output, "tinyCsv__trl-1"), "tinyCsv");
    assert.deepEqual(
      traj.trajectory.map((s) => s.action),
      [GOOD_CSV_SUBMISSION, "validate", "submit"],
    );
    assert.equal(traj.info.policy_version, "step-100");
    assert.equal(traj.info.exit_status, "submitted");
  });

  test("the server's errors reach Python as the client's error classes", async () => {
    const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(CLIENT_DIR)})
from mlgym_client import *
client = MLGymClient(sys.argv[1])
seen = {}
try:
    client.make("noSuchTask")
except NotFound as e:
    seen["unknown_task"] = [e.code, e.status]
a = client.make("tinyPython")
b = client.make("tinyPython")
try:
    client.make("tinyPython")
except CapacityReached as e:
    seen["capacity"] = [e.code, e.status]
b.close()
b.close()
with a:
    a.reset(episode_id="errors-1")
    try:
        a.step("x" * 300000)
    except ValidationError as e:
        seen["too_long"] = [e.code, e.status]
    a.step("submit")
    try:
        a.step("ls")
    except EpisodeEnded as e:
        seen["after_end"] = [e.code, e.status]
    seen["state"] = a.state()
try:
    a.step("ls")
except NotFound as e:
    seen["after_close"] = e.code
print(json.dumps(seen))
`;
    const run = await python(["-c", script, url]);
    assert.equal(run.code, 0, run.stderr);
    const seen = JSON.parse(run.stdout);
    assert.deepEqual(seen.unknown_task, ["NOT_FOUND", 404]);
    assert.deepEqual(seen.capacity, ["CAPACITY_REACHED", 503]);
    assert.deepEqual(seen.too_long, ["VALIDATION_ERROR", 400]);
    assert.deepEqual(seen.after_end, ["EPISODE_ENDED", 409]);
    assert.equal(seen.state.episode_id, "errors-1");
    assert.equal(seen.state.done, true);
    assert.equal(seen.state.step_count, 1);
    assert.equal(seen.after_close, "NOT_FOUND");
    assert.equal(
      readTrajectory(join(output, "tinyPython__errors-1"), "tinyPython").info.exit_status,
      "submitted",
    );
  });

  test("snapshot and fork from Python: a tree search's two branches keep their own edits", async () => {
    const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(CLIENT_DIR)})
from mlgym_client import *
client = MLGymClient(sys.argv[1])
out = {}
with client.make("tinyCsv") as root:
    root.reset(episode_id="tree-root")
    root.step("echo v0 > model.txt && BEST=0")
    sid = root.snapshot()
    out["listed"] = [s["step"] for s in client.snapshots() if s["snapshot_id"] == sid]
    branch, obs, info = root.fork(sid, episode_id="tree-branch")
    with branch:
        out["from"] = info["fromSnapshot"]
        root.step("echo root >> model.txt && BEST=1")
        branch.step("echo branch >> model.txt")
        out["root"] = root.step("cat model.txt; echo $BEST")[0]
        out["branch"] = branch.step("cat model.txt; echo $BEST")[0]
        out["branch_steps"] = branch.state()["step_count"]
    client.delete_snapshot(sid)
    try:
        root.fork(sid)
    except NotFound as e:
        out["deleted"] = e.code
print(json.dumps(out))
`;
    const run = await python(["-c", script, url]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.deepEqual(out.listed, [1]);
    assert.equal(out.from.step, 1);
    assert.equal(out.from.shellRestored, true);
    assert.equal(out.root, "v0\nroot\n1");
    assert.equal(out.branch, "v0\nbranch\n0");
    assert.equal(out.branch_steps, 3);
    assert.equal(out.deleted, "NOT_FOUND");
    const traj = readTrajectory(join(output, "tinyCsv__tree-branch"), "tinyCsv");
    assert.equal(traj.trajectory[0]?.action, "echo v0 > model.txt && BEST=0");
  });
});
