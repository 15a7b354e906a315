import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { mlgym } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

function actionsFile(actions: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), "mlgym-actions-")), "actions.json");
  writeFileSync(file, JSON.stringify(actions));
  return file;
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("mlgym --help lists the commands", () => {
  const r = mlgym(["--help"]);
  assert.equal(r.code, 0);
  for (const cmd of ["tasks", "exec", "doctor", "report"])
    assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`));
});

test("mlgym tasks lists fixture tasks with their metric direction", () => {
  const r = mlgym(["tasks", "--tasks-dir", FIXTURE_TASKS]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^tinyCsv\s+Tiny CSV classification \| CSVSubmissionTasks \| accuracy \(higher is better\)$/m,
  );
  assert.match(r.stdout, /^tinyModel\s+.*Loss \(lower is better\)$/m);
});

test("mlgym tasks reports an invalid task YAML and exits 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-badtasks-"));
  writeFileSync(join(dir, "broken.yaml"), "id: broken\ndescription: d\n");
  const r = mlgym(["tasks", "--tasks-dir", dir]);
  assert.equal(r.code, 2);
  assert.match(r.stdout, /^broken\s+INVALID: .*broken\.yaml: name: required field is missing/m);
});

test("mlgym doctor reports backends and the runtime", () => {
  const r = mlgym(["doctor", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    sandboxes: Record<string, { ok: boolean }>;
    defaultSandbox: string;
  };
  assert.equal(report.sandboxes.local?.ok, true);
  assert.equal(report.defaultSandbox, report.sandboxes.bwrap?.ok ? "bwrap" : "local");
  const text = mlgym(["doctor"]);
  assert.match(text.stdout, /sandboxes:\n {2}ok {3}local/);
});

test("mlgym exec --task runs actions through tools and shell, one JSON line each", () => {
  const file = actionsFile([
    "ls",
    'open "baseline.py" 3',
    "python baseline.py",
    "validate",
    "submit",
    "echo not-run",
  ]);
  const r = mlgym(["exec", "--task", "tinyCsv", "--tasks-dir", FIXTURE_TASKS, file]);
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.equal(lines.length, 5);
  assert.deepEqual(lines[0], { action: "ls", observation: "baseline.py\ndata\nevaluate.py", exitCode: 0 });
  assert.match(String(lines[1]?.observation), /^\[File: .*\/baseline\.py \(12 lines total\)\]\n1:/);
  assert.deepEqual(lines[3]?.metrics, { accuracy: 0.6 });
  assert.equal(lines[4]?.exitStatus, "submitted");
});

test("mlgym exec --dir works in place in a folder", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-dir-"));
  writeFileSync(join(dir, "hello.py"), "print('hi')\n");
  const file = actionsFile([
    "python hello.py",
    "echo made > new.txt",
    "create notes.md",
    "validate",
    "cd /tmp && cd -",
  ]);
  const r = mlgym(["exec", "--dir", dir, file]);
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.equal(lines[0]?.observation, "hi");
  assert.equal(readFileSync(join(dir, "new.txt"), "utf8"), "made\n");
  assert.ok(existsSync(join(dir, "notes.md")));
  assert.match(String(lines[3]?.observation), /^Error: /);
});

test("bad input exits 2 with a message naming the problem", () => {
  const missing = mlgym([
    "exec",
    "--task",
    "tinyCsv",
    "--tasks-dir",
    FIXTURE_TASKS,
    "/nonexistent/actions.json",
  ]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/actions\.json: not a readable JSON file/);
  const notArray = mlgym(["exec", "--task", "tinyCsv", "--tasks-dir", FIXTURE_TASKS, actionsFile({ a: 1 })]);
  assert.equal(notArray.code, 2);
  assert.match(notArray.stderr, /expected a JSON array of action strings/);
  const notString = mlgym([
    "exec",
    "--task",
    "tinyCsv",
    "--tasks-dir",
    FIXTURE_TASKS,
    actionsFile(["ls", 3]),
  ]);
  assert.match(notString.stderr, /\[1\]: expected a string, got number/);
  const both = mlgym(["exec", "--task", "tinyCsv", "--dir", "/tmp", actionsFile([])]);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /exactly one of --task <id> or --dir <path>/);
  const unknown = mlgym(["exec", "--task", "nope", actionsFile([])]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown task 'nope'; available: /);
  const sandbox = mlgym([
    "exec",
    "--task",
    "tinyCsv",
    "--tasks-dir",
    FIXTURE_TASKS,
    "--sandbox",
    "vm",
    actionsFile([]),
  ]);
  assert.equal(sandbox.code, 2);
  assert.match(sandbox.stderr, /unknown sandbox 'vm'; available: local, bwrap/);
});

test("mlgym run --help names the demonstration task that a run without --task uses", async () => {
  const { DEMO_TASK } = await import("../../src/run/choose-model.js");
  assert.match(
    mlgym(["run", "--help"]).stdout,
    new RegExp(`--task <id> +task to solve \\(default: ${DEMO_TASK}\\)`),
  );
});
