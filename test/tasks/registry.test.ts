import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { builtinTasksDir, discoverTasks, loadTask } from "../../src/tasks/registry.js";
import { mlgym } from "../helpers/cli.js";

/** A --tasks-dir folder with one task folder per entry: `<name>/task.yaml` holding the given text. */
function tasksDir(tasks: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-tasks-"));
  for (const [name, text] of Object.entries(tasks)) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, "task.yaml"), text);
  }
  return dir;
}

const task = (id: string, extra = "") => `id: ${id}\nname: ${id}\ndescription: d\n${extra}`;

/** `load` throws a ConfigError naming `file` and `field` whose message matches `pattern`. */
function refused(load: () => unknown, file: string, field: string | undefined, pattern: RegExp): void {
  assert.throws(load, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    assert.equal(e.file, file);
    assert.equal(e.field, field);
    assert.match(e.message, pattern);
    return true;
  });
}

test("mlgym tasks lists a task with a misspelt task_entrypoint as invalid, as loading it would fail", () => {
  const dir = tasksDir({
    good: task("good", "task_entrypoint: CSVSubmissionTasks\n"),
    typo: task("typo", "task_entrypoint: CSVSubmisionTasks\n"),
  });
  const r = mlgym(["tasks", "--tasks-dir", dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stdout,
    /^typo\s+INVALID: .*typo\/task\.yaml: task_entrypoint: unknown task kind 'CSVSubmisionTasks'; available: CSVSubmissionTasks, PythonSubmissionTasks, ModelSubmissionTasks, LMSubmissionTasks$/m,
  );
  assert.match(r.stdout, /^good\s+good \| CSVSubmissionTasks \| $/m);
  const json = JSON.parse(mlgym(["tasks", "--tasks-dir", dir, "--json"]).stdout) as Array<{
    id: string;
    error?: string;
  }>;
  assert.match(json.find((row) => row.id === "typo")?.error ?? "", /unknown task kind/);
  assert.equal(json.find((row) => row.id === "good")?.error, undefined);
});

test("a task YAML with a syntax error is listed as invalid with file and line, and loading it says why", () => {
  const dir = tasksDir({ broken: "id: broken\nname: [Broken\ndescription: d\n" });
  const file = join(dir, "broken", "task.yaml");
  const entry = discoverTasks([dir]).get("broken");
  assert.equal(entry?.file, file);
  const r = mlgym(["tasks", "--tasks-dir", dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(
    r.stdout
      .split("\n")
      .some(
        (line) =>
          /^broken +INVALID: /.test(line) &&
          line.includes(`${file}: invalid YAML at line 3, column 1: Flow sequence`),
      ),
    r.stdout,
  );
  refused(() => loadTask("broken", [dir]), file, undefined, /invalid YAML at line 3, column 1: /);
  const run = mlgym(["baseline", "broken", "--tasks-dir", dir]);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /task\.yaml: invalid YAML at line 3, column 1: /);
  // A YAML file that is not a task (no top-level id) stays out of the list.
  writeFileSync(join(dir, "broken", "notes.yaml"), "just: [notes\n");
  assert.deepEqual(
    [...discoverTasks([dir]).values()].filter((e) => e.file.endsWith("notes.yaml")),
    [],
  );
});

test("a --tasks-dir task with a built-in's id is refused, naming both files, unless it says override_builtin", () => {
  const builtin = join(builtinTasksDir(), "blotto", "task.yaml");
  const dir = tasksDir({ mine: task("blotto", "task_entrypoint: PythonSubmissionTasks\n") });
  const mine = join(dir, "mine", "task.yaml");
  refused(
    () => loadTask("blotto", [dir]),
    mine,
    "id",
    new RegExp(`also the id of the built-in task ${builtin}; add 'override_builtin: true' to this file`),
  );
  const listed = mlgym(["tasks", "--tasks-dir", dir]);
  assert.equal(listed.code, 2);
  assert.match(
    listed.stdout,
    /^blotto\s+INVALID: .*mine\/task\.yaml: id: task id 'blotto' is also the id of the built-in/m,
  );
  const run = mlgym(["baseline", "blotto", "--tasks-dir", dir]);
  assert.equal(run.code, 2);
  assert.ok(run.stderr.includes(builtin) && run.stderr.includes(mine), run.stderr);

  writeFileSync(mine, task("blotto", "task_entrypoint: PythonSubmissionTasks\noverride_builtin: true\n"));
  assert.equal(loadTask("blotto", [dir]).file, mine);
  assert.equal(loadTask("blotto").file, builtin, "without the folder the built-in is used");
});

test("two --tasks-dir tasks with one id: the first is used and remembers the other", () => {
  const a = tasksDir({ one: task("twin") });
  const b = tasksDir({ two: task("twin", "override_builtin: true\n") });
  const entry = discoverTasks([a, b]).get("twin");
  assert.equal(entry?.file, join(a, "one", "task.yaml"));
  assert.deepEqual(entry?.shadows, [join(b, "two", "task.yaml")]);
});
