import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FIXTURE_TASKS } from "../../test/helpers/fixtures.js";
import { ConfigError } from "../errors.js";
import { formatDescription, loadTaskSpec } from "./load-task.js";

function tempTask(yaml: string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-cfg-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, "task.yaml"), yaml);
  return join(dir, "task.yaml");
}

function rejects(file: string, pattern: RegExp): void {
  assert.throws(
    () => loadTaskSpec(file),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
      assert.match(e.message, pattern);
      assert.ok(e.message.startsWith(file), `message names the file: ${e.message}`);
      return true;
    },
  );
}

test("the fixture task loads with datasets, resolved paths and defaults", () => {
  const spec = loadTaskSpec(join(FIXTURE_TASKS, "tinyCsv", "task.yaml"));
  assert.equal(spec.config.id, "tinyCsv");
  assert.equal(spec.datasets.length, 1);
  assert.equal(spec.datasets[0]?.localPath, join(FIXTURE_TASKS, "tinyCsv", "data"));
  assert.deepEqual(
    spec.starterCode.map((s) => s.name),
    ["evaluate.py", "baseline.py"],
  );
  assert.equal(spec.priorityMetric, "accuracy");
  assert.equal(spec.directionOf("accuracy"), "maximize");
  assert.equal(spec.directionOf("unlisted"), "maximize");
  assert.equal(spec.config.use_generic_conda, true);
  assert.deepEqual(spec.config.hidden_files, ["data/answer.csv"]);
  assert.match(spec.description, /TINY:\ntrain\.csv has columns/);
  assert.doesNotMatch(spec.description, /\{dataset_docs\}/);
});

test("description formatting follows str.format: {{ }} are braces, other fields are errors", () => {
  assert.equal(formatDescription("a {dataset_docs} b {{x}}", "DOCS", "f.yaml"), "a DOCS b {x}");
  assert.throws(
    () => formatDescription("use {model}", "", "f.yaml"),
    /unexpected placeholder '\{model\}'.*field|description/,
  );
});

test("an original-layout config resolves datasets and starter code against parents inside its named root", () => {
  const root = mkdtempSync(join(tmpdir(), "mlgym-orig-"));
  mkdirSync(join(root, "configs", "tasks"), { recursive: true });
  mkdirSync(join(root, "configs", "datasets"), { recursive: true });
  mkdirSync(join(root, "data", "game"), { recursive: true });
  writeFileSync(join(root, "data", "game", "strategy.py"), "def f(): pass\n");
  writeFileSync(
    join(root, "configs", "datasets", "d.yaml"),
    "name: Game\ndescription: the game data\ndata_path: data/game\nis_local: true\n",
  );
  const file = join(root, "configs", "tasks", "game.yaml");
  writeFileSync(
    file,
    "id: game\nname: Game\ndescription: |-\n  Play.\n  {dataset_docs}\ndataset_configs:\n  - datasets/d.yaml\nstarter_code:\n  - data/game/strategy.py\ntask_entrypoint: PythonSubmissionTasks\nbaseline_scores:\n  - Score: 1.5\n",
  );
  assert.throws(
    () => loadTaskSpec(file, { roots: [] }),
    /dataset_configs\.0: path 'datasets\/d\.yaml' is found only at .*configs\/datasets\/d\.yaml; paths must stay inside the task folder .* \(name other folders with --data-root or MLGYM_DATA_ROOT\)/,
  );
  const spec = loadTaskSpec(file, { roots: [root] });
  assert.equal(spec.starterCode[0]?.hostPath, join(root, "data", "game", "strategy.py"));
  assert.equal(spec.datasets[0]?.localPath, join(root, "data", "game"));
  assert.equal(spec.description, "Play.\nGAME:\nthe game data\n\n");
  assert.equal(spec.priorityMetric, "Score");
});

test("bad task configs name the file, the field and what is allowed", () => {
  rejects(tempTask("id: x\nname: [unclosed\n"), /invalid YAML/);
  rejects(tempTask("name: X\ndescription: d\n"), /id: required field is missing/);
  rejects(
    tempTask("id: x\nname: X\ndescription: d\ncommand_parser: y\n"),
    /\(top level\): unknown field\(s\) 'command_parser'/,
  );
  rejects(
    tempTask("id: x\nname: X\ndescription: d\nstarter_code: [missing.py]\n"),
    /starter_code\.0: path 'missing\.py' not found/,
  );
  rejects(tempTask("id: x\nname: X\ndescription: d\ntraining_timeout: -5\n"), /training_timeout: /);
  rejects(
    tempTask("id: x\nname: X\ndescription: d\nmetric_directions: {acc: up}\n"),
    /metric_directions\.acc: got an invalid value; allowed: "maximize", "minimize"/,
  );
  rejects(tempTask("id: 'bad id'\nname: X\ndescription: d\n"), /id: must be letters/);
  rejects(
    tempTask("id: x\nname: X\ndescription: d\ndataset_configs: [nope.yaml]\n"),
    /dataset_configs\.0: path 'nope\.yaml' not found/,
  );
  rejects(
    tempTask("id: x\nname: X\ndescription: d\npriority_metric: f1\nbaseline_scores: [{acc: 1}]\n"),
    /priority_metric: priority metric 'f1' is not among the baseline metrics \(acc\)/,
  );
  rejects(tempTask("id: x\nname: X\ndescription: 'uses {model}'\n"), /description: unexpected placeholder/);
});

test("a bad dataset config names the dataset file", () => {
  const file = tempTask("id: x\nname: X\ndescription: d\ndataset_configs: [ds.yaml]\n", {
    "ds.yaml": "name: D\n",
  });
  assert.throws(() => loadTaskSpec(file), /ds\.yaml: description: required field is missing/);
});

test("copying the fixture to another folder keeps it loadable (no absolute paths)", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-copy-"));
  cpSync(join(FIXTURE_TASKS, "tinyCsv"), join(dir, "tinyCsv"), { recursive: true });
  assert.equal(loadTaskSpec(join(dir, "tinyCsv", "task.yaml")).config.id, "tinyCsv");
});
