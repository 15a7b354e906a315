import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readResults, readTrajectory } from "../../src/trajectory/read.js";
import { mlgymProcess } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

const fenced = (cmd: string) => `DISCUSSION\nnext\n\`\`\`\n${cmd}\n\`\`\``;

/** `mlgym run` as a child process whose stderr can be waited on, as a terminal user would watch it. */
const start = (args: string[]) => mlgymProcess(["run", ...args], { env: { MLGYM_ACTIVITY_INTERVAL_S: "1" } });

function runFolder(output: string): string {
  const [dir] = readdirSync(output);
  return join(output, dir!);
}

test("Ctrl-C stops an agent's episode cleanly: command interrupted, files written, exit code 130", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-sigint-"));
  const script = join(dir, "answers.json");
  writeFileSync(script, JSON.stringify([fenced("sleep 60"), fenced("ls")]));
  const output = join(dir, "runs");
  const run = start([
    ...["--task", "tinyPython", "--tasks-dir", FIXTURE_TASKS],
    ...["--model", `scripted:${script}`, "--output", output],
  ]);
  // The live display shows activity during the long command (a line a second here).
  await run.waitFor(/… running sleep 60 \(\d+ s\)/);
  const started = Date.now();
  run.child.kill("SIGINT");
  const code = await run.exited;
  const { stdout, stderr } = run.out();
  assert.equal(code, 130, stderr);
  assert.ok(Date.now() - started < 20_000, "the sleep was interrupted, not waited for");
  assert.match(stderr, /interrupted: stopping the episode/);
  assert.match(stdout, /exit status +autosubmission \(exit_interrupted\)/);
  const folder = runFolder(output);
  const traj = readTrajectory(join(folder, "tinyPython.traj"));
  assert.equal(traj.info.exit_status, "autosubmission (exit_interrupted)");
  assert.deepEqual(
    traj.trajectory.map((s) => s.action),
    ["sleep 60\n", "exit_interrupted"],
  );
  assert.match(traj.trajectory[0]!.observation, /\^C \(the command was interrupted\)/);
  assert.deepEqual(readResults(join(folder, "results.json")).agent, [{ Score: 7 }]);
});

test("a human player's Ctrl-C interrupts the running command; at the prompt it ends the episode", async () => {
  const output = mkdtempSync(join(tmpdir(), "mlgym-sigint-human-"));
  const run = start([
    ...["--task", "tinyPython", "--tasks-dir", FIXTURE_TASKS],
    ...["--model", "human:tester", "--output", output, "--json"],
  ]);
  await run.waitFor(/\n> $/);
  run.child.stdin.write("sleep 60\n");
  await run.waitFor(/… running sleep 60/);
  run.child.kill("SIGINT");
  await run.waitFor(/\^C \(the command was interrupted\)[\s\S]*\n> $/);
  run.child.stdin.write("echo still-here\n");
  await run.waitFor(/\nstill-here\n[\s\S]*> $/);
  run.child.kill("SIGINT");
  const code = await run.exited;
  const { stdout, stderr } = run.out();
  assert.equal(code, 130, stderr);
  const summary = JSON.parse(stdout.trim()) as { exitStatus: string; steps: number; results: string };
  assert.equal(summary.exitStatus, "autosubmission (exit_interrupted)");
  assert.equal(summary.steps, 3);
  const traj = readTrajectory(join(runFolder(output), "tinyPython.traj"));
  assert.deepEqual(
    traj.trajectory.map((s) => s.action.trim()),
    ["sleep 60", "echo still-here", "exit_interrupted"],
  );
  assert.deepEqual(readResults(summary.results).agent, [{ Score: 7 }]);
});
