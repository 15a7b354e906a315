import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { taskDataDirs } from "../../src/config/data-cache.js";
import { loadTaskSpec } from "../../src/config/load-task.js";
import { ConfigError } from "../../src/errors.js";
import { mlgym } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

const TASK = `id: scaled
name: Scaled
description: "Do it. {dataset_docs}"
dataset_configs: [dataset.yaml]
prepare_script: prepare.py
baseline_scores: [{accuracy: 0.3}]
tolerance: 0.05
training_timeout: 60
limits: {memory_mb: 2048, cpus: 2}
scales:
  full:
    dataset_configs: [dataset.full.yaml]
    baseline_scores: [{accuracy: 0.4971}]
    tolerance: 0.03
    training_timeout: 1800
    gpus: 1
    limits: {memory_mb: 32768}
    description_note: "Full scale: a GPU is available."
`;

function taskDir(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-scales-"));
  mkdirSync(join(dir, "data"));
  writeFileSync(join(dir, "prepare.py"), "");
  writeFileSync(join(dir, "task.yaml"), yaml);
  writeFileSync(
    join(dir, "dataset.yaml"),
    "name: Small\ndescription: small data\ndata_path: data\nis_local: true\n",
  );
  writeFileSync(
    join(dir, "dataset.full.yaml"),
    "name: Full\ndescription: full data\ndata_path: mlgym-data:scaled\nis_local: true\n",
  );
  return dir;
}

function withDataDir<T>(dir: string, body: () => T): T {
  const before = process.env.MLGYM_DATA_DIR;
  process.env.MLGYM_DATA_DIR = dir;
  try {
    return body();
  } finally {
    if (before === undefined) delete process.env.MLGYM_DATA_DIR;
    else process.env.MLGYM_DATA_DIR = before;
  }
}

function configError(body: () => unknown): ConfigError {
  try {
    body();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error;
  }
  assert.fail("expected a ConfigError");
}

test("the small scale is the top-level fields, with no GPU by default", () => {
  const dir = taskDir(TASK);
  const spec = loadTaskSpec(join(dir, "task.yaml"));
  assert.equal(spec.scale, "small");
  assert.equal(spec.config.gpus, 0);
  assert.equal(spec.config.tolerance, 0.05);
  assert.equal(spec.config.prepare_script, "prepare.py");
  assert.equal(spec.datasets[0]?.localPath, join(dir, "data"));
  assert.equal(spec.description, "Do it. SMALL:\nsmall data\n\n");
});

test("the full scale applies its overrides and resolves mlgym-data: to the data cache", () => {
  const dir = taskDir(TASK);
  const cache = mkdtempSync(join(tmpdir(), "mlgym-cache-"));
  withDataDir(cache, () => {
    const dirs = taskDataDirs("scaled");
    mkdirSync(dirs.data, { recursive: true });
    writeFileSync(dirs.marker, "{}");
    const spec = loadTaskSpec(join(dir, "task.yaml"), { scale: "full" });
    assert.equal(spec.scale, "full");
    assert.equal(spec.config.gpus, 1);
    assert.equal(spec.config.tolerance, 0.03);
    assert.equal(spec.config.training_timeout, 1800);
    assert.deepEqual(spec.config.baseline_scores, [{ accuracy: 0.4971 }]);
    assert.deepEqual(spec.config.limits, { memory_mb: 32768, cpus: 2 });
    assert.equal(spec.config.prepare_script, undefined, "the small scale's data preparation does not run");
    assert.equal(spec.datasets[0]?.localPath, join(cache, "scaled", "data"));
    assert.equal(spec.description, "Do it. FULL:\nfull data\n\n\n\nFull scale: a GPU is available.");
  });
});

test("full-scale data that was not fetched is a ConfigError that says how to fetch it", () => {
  const dir = taskDir(TASK);
  const cache = mkdtempSync(join(tmpdir(), "mlgym-cache-"));
  withDataDir(cache, () => {
    // A data folder without the completion marker is an interrupted fetch, not data.
    mkdirSync(taskDataDirs("scaled").data, { recursive: true });
    const error = configError(() => loadTaskSpec(join(dir, "task.yaml"), { scale: "full" }));
    assert.equal(error.file, join(dir, "dataset.full.yaml"));
    assert.equal(error.field, "data_path");
    assert.match(error.message, /mlgym data fetch scaled/);
    assert.match(error.message, /--from <local path>/);
  });
});

test("asking a task without scales for full names the file and the scales it has", () => {
  const dir = taskDir(TASK.slice(0, TASK.indexOf("scales:")));
  const error = configError(() => loadTaskSpec(join(dir, "task.yaml"), { scale: "full" }));
  assert.equal(error.file, join(dir, "task.yaml"));
  assert.equal(error.field, "scales.full");
  assert.match(error.message, /no scale 'full'; its scales: small/);
});

test("bad scale fields are ConfigErrors naming the field", () => {
  const cases: Array<[string, string, RegExp]> = [
    [TASK.replace("gpus: 1", "gpus: -1"), "scales.full.gpus", /too small|>=/],
    [TASK.replace("    gpus: 1", "    gpu: 1"), "scales.full", /unknown field\(s\) 'gpu'/],
    [TASK.replace("scales:\n  full:", "scales:\n  huge:"), "scales", /unknown field\(s\) 'huge'/],
    [`${TASK}gpus: 0.5\n`, "gpus", /int/],
  ];
  for (const [yaml, field, message] of cases) {
    const dir = taskDir(yaml);
    const error = configError(() => loadTaskSpec(join(dir, "task.yaml")));
    assert.equal(error.field, field);
    assert.match(error.message, message);
  }
});

test("--scale on the CLI: an unknown scale and a scale the task lacks are refused, naming what is allowed", () => {
  const tasksDir = FIXTURE_TASKS;
  const unknown = mlgym(["baseline", "tinyCsv", "--scale", "medium", "--tasks-dir", tasksDir]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--scale: unknown scale 'medium'; allowed: small, full/);
  const lacking = mlgym(["baseline", "tinyCsv", "--scale", "full", "--tasks-dir", tasksDir]);
  assert.equal(lacking.code, 2);
  assert.match(
    lacking.stderr,
    /tinyCsv[/\\]task\.yaml: scales\.full: task 'tinyCsv' has no scale 'full'; its scales: small/,
  );
  const check = mlgym(["tasks", "check", "tinyCsv", "--scale", "full", "--tasks-dir", tasksDir, "--json"]);
  assert.equal(check.code, 1);
  const [report] = JSON.parse(check.stdout);
  assert.equal(report.scale, "full");
  assert.deepEqual(
    report.results.map((r: { check: string; status: string }) => [r.check, r.status]),
    [["config", "fail"]],
  );
  assert.match(report.results[0].detail, /has no scale 'full'/);
});
