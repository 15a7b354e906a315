import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { make } from "../../src/env/make.js";
import { withoutOriginalHeader } from "../../src/env/original-headers.js";
import {
  builtinTasksDir,
  discoverTasks,
  loadTask,
  mlgymCheckoutRoot,
  shadowWarning,
} from "../../src/tasks/registry.js";
import { mlgym } from "../helpers/cli.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "tasks");
const ORIGINAL = "/tmp/mlgym-original";

const task = (id: string, extra = "", name = id) =>
  `id: ${id}\nname: ${name}\ndescription: d\ntask_entrypoint: PythonSubmissionTasks\n${extra}`;

/** A folder holding the given files (paths relative to it). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-registry-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

test("two --tasks-dir files with one id: the first in path order is used, with a warning naming both", () => {
  const dir = folder({ "a.yaml": task("twin", "", "first"), "b.yaml": task("twin", "", "second") });
  const entry = discoverTasks([dir]).get("twin");
  assert.equal(entry?.file, join(dir, "a.yaml"));
  assert.equal(entry?.problem, undefined);
  assert.deepEqual(entry?.shadows, [join(dir, "b.yaml")]);
  assert.equal(loadTask("twin", [dir]).config.name, "first");
  // The other one is reachable by its path, in place of the id.
  assert.equal(loadTask(join(dir, "b.yaml"), [dir]).config.name, "second");

  const listed = mlgym(["tasks", "--tasks-dir", dir]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^twin\s+first \| PythonSubmissionTasks/m);
  assert.ok(
    listed.stderr.includes(
      `task id 'twin' is defined in ${join(dir, "a.yaml")} and also in ${join(dir, "b.yaml")}`,
    ),
    listed.stderr,
  );
  // Folders named in order: the first folder's file wins over a later folder's.
  const other = folder({ "z.yaml": task("twin", "", "third") });
  assert.equal(discoverTasks([other, dir]).get("twin")?.file, join(other, "z.yaml"));
  assert.match(shadowWarning(discoverTasks([other, dir]).get("twin")!) ?? "", /also in .*a\.yaml, .*b\.yaml/);
});

test("a task YAML path that does not exist is a clear error", () => {
  assert.throws(() => loadTask("/nonexistent/task.yaml"), /task file '\/nonexistent\/task\.yaml' not found/);
});

/** A folder shaped like a checkout of the original: `mlgym/`, `configs/tasks`, `configs/datasets`, `data/`. */
function fakeCheckout(): string {
  return folder({
    "mlgym/__init__.py": "",
    "configs/datasets/numbers.yaml":
      "name: numbers\ndescription: n\ndata_path: data/blotto/data\nis_local: true\n",
    "configs/tasks/blotto.yaml": task(
      "blotto",
      "dataset_configs:\n- datasets/numbers.yaml\nstarter_code:\n- data/blotto/evaluate.py\nevaluation_paths:\n- evaluate.py\nbaseline_scores:\n- Score: 1.5\n",
    ),
    "data/blotto/evaluate.py": "print('{}')\n",
    "data/blotto/data/numbers.csv": "x\n1\n",
  });
}

test("a checkout of the original takes the place of built-ins of its ids, its paths resolving in the checkout", () => {
  const root = fakeCheckout();
  const tasksDir = join(root, "configs", "tasks");
  assert.equal(mlgymCheckoutRoot(tasksDir), root);
  assert.equal(mlgymCheckoutRoot(root), root);
  assert.equal(mlgymCheckoutRoot(builtinTasksDir()), undefined);
  const entry = discoverTasks([tasksDir]).get("blotto");
  assert.equal(entry?.file, join(tasksDir, "blotto.yaml"));
  assert.equal(entry?.checkout, root);
  assert.equal(entry?.problem, undefined);
  // No --data-root: the checkout is one for its own tasks.
  const spec = loadTask("blotto", [tasksDir], { roots: [] });
  assert.equal(spec.datasets[0]?.localPath, join(root, "data", "blotto", "data"));
  assert.equal(
    loadTask(join(tasksDir, "blotto.yaml"), [], { roots: [] }).file,
    join(tasksDir, "blotto.yaml"),
  );

  // The original's YAMLs name no priority metric: the built-in task's of the same id is used when it is theirs too.
  writeFileSync(
    join(tasksDir, "house.yaml"),
    task("regressionKaggleHousePrice", "baseline_scores:\n- rmse: 30340.1\n  r2: 0.88\n"),
  );
  const house = loadTask("regressionKaggleHousePrice", [tasksDir], { roots: [] });
  assert.equal(house.file, join(tasksDir, "house.yaml"));
  assert.deepEqual(
    [house.priorityMetric, house.directionOf("rmse"), house.directionOf("r2")],
    ["r2", "minimize", "maximize"],
  );
  writeFileSync(
    join(tasksDir, "house.yaml"),
    task("regressionKaggleHousePrice", "baseline_scores:\n- rmse: 30340.1\n"),
  );
  assert.equal(loadTask("regressionKaggleHousePrice", [tasksDir], { roots: [] }).priorityMetric, "rmse");

  // The same folder without the `mlgym` package is a plain folder: the built-in rule applies.
  const plain = folder({ "configs/tasks/blotto.yaml": readFileSync(join(tasksDir, "blotto.yaml"), "utf8") });
  assert.match(
    discoverTasks([join(plain, "configs", "tasks")]).get("blotto")?.problem?.message ?? "",
    /also the id of the built-in task .*add 'override_builtin: true'/,
  );
});

test("mlgym baseline of a task with recorded baseline_scores and no baseline code prints the recorded scores", () => {
  const r = mlgym(["baseline", "tinyModel", "--tasks-dir", FIXTURES, "--sandbox", "local", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).metrics, { Loss: 6.0 });
  assert.equal(JSON.parse(r.stdout).recordedOnly, true);
  const text = mlgym(["baseline", "tinyModel", "--tasks-dir", FIXTURES, "--sandbox", "local"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /^tinyModel: Loss=6 \(no baseline code: the task's recorded baseline_scores, nothing was run\)\n$/,
  );
});

const hasOriginal = existsSync(join(ORIGINAL, "configs", "tasks"));
const skipOriginal = !hasOriginal && `no checkout of the original at ${ORIGINAL} (fetch it to run this)`;

test("--tasks-dir on the original's checkout lists every task id of its YAMLs, none refused for its id", {
  skip: skipOriginal,
}, () => {
  const tasksDir = join(ORIGINAL, "configs", "tasks");
  const ids = new Set(
    readdirSync(tasksDir)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => /^id: *(\S+)/m.exec(readFileSync(join(tasksDir, f), "utf8"))?.[1])
      .filter((id): id is string => id !== undefined),
  );
  const r = mlgym(["tasks", "--tasks-dir", tasksDir, "--json"]);
  const rows = JSON.parse(r.stdout) as Array<{ id: string; file: string; error?: string }>;
  for (const id of ids) {
    const row = rows.find((x) => x.id === id);
    assert.ok(row, `${id} is listed`);
    assert.ok(row.file.startsWith(tasksDir), `${id} comes from the checkout, not the built-ins: ${row.file}`);
    assert.doesNotMatch(row.error ?? "", /task id/, `${id} is not refused for its id`);
  }
  assert.match(
    r.stderr,
    /task id 'imageClassificationCifar10' is defined in \S+imageClassificationCifar10\.yaml and also in \S+imageClassificationCifar10L1\.yaml/,
  );
  // The game tasks need no prepared data: they load, and the original's titanic has recorded scores only.
  for (const id of ["battleOfSexes", "blotto", "prisonersDilemma", "titanicSurvival"])
    assert.equal(rows.find((x) => x.id === id)?.error, undefined, id);
  const titanic = mlgym(["baseline", join(tasksDir, "titanic.yaml"), "--sandbox", "local", "--json"]);
  assert.equal(titanic.code, 0, titanic.stderr);
  assert.deepEqual(JSON.parse(titanic.stdout).metrics, { Accuracy: 0.76555 });
});

test("the original's task files reach the workspace as its recorded runs saw them: no copyright docstring, evaluate.py r-xr-xr-x; validate still scores", async () => {
  const header = '"""\nCopyright (c) Meta Platforms, Inc. and affiliates.\n"""\n';
  assert.equal(withoutOriginalHeader(`${header}\nimport random\n`), "import random\n");
  assert.equal(withoutOriginalHeader(`${header}import json\n`), "import json\n");
  assert.equal(
    withoutOriginalHeader('"""Other docstring."""\nimport os\n'),
    '"""Other docstring."""\nimport os\n',
  );

  const root = fakeCheckout();
  const tasksDir = join(root, "configs", "tasks");
  const evaluate = `${header}import json\nprint(json.dumps({"Score": 2.5}))\n`;
  writeFileSync(join(root, "data", "blotto", "evaluate.py"), evaluate);
  writeFileSync(join(root, "data", "blotto", "strategy.py"), `${header}\nimport random\n`);
  writeFileSync(
    join(tasksDir, "blotto.yaml"),
    readFileSync(join(tasksDir, "blotto.yaml"), "utf8").replace(
      "- data/blotto/evaluate.py\n",
      "- data/blotto/evaluate.py\n- data/blotto/strategy.py\n",
    ),
  );
  const env = make("blotto", { sandbox: "local", tasksDirs: [tasksDir], dataRoots: [] });
  try {
    await env.reset({ seed: 1 });
    assert.equal((await env.step("cat strategy.py")).observation, "import random");
    assert.equal((await env.step("head -1 evaluate.py")).observation, "import json");
    assert.equal((await env.step("stat -c %A evaluate.py")).observation, "-r-xr-xr-x");
    assert.match((await env.step("validate")).observation, /Evaluation Score: \{'Score': 2\.5\}/);
  } finally {
    await env.close();
  }
  // The checkout itself is untouched; a built-in task's files are copied as they are.
  assert.equal(readFileSync(join(root, "data", "blotto", "evaluate.py"), "utf8"), evaluate);
  assert.equal(loadTask("battleOfSexes").asRecorded, undefined);
});

// The original's CPU-sized tasks run their baselines from its own configs and land on its recorded baseline_scores,
// within the tolerance of our built-in task of the same id (the original's YAMLs declare none). House prices needs the
// data folder that `mlgym data link /tmp/mlgym-original` supplies.
const linked = existsSync(join(ORIGINAL, "data", "regressionKaggleHousePrice", "data", "train.csv"));
for (const [id, yaml] of [
  ["battleOfSexes", "battleOfSexes.yaml"],
  ["prisonersDilemma", "prisonersDilemma.yaml"],
  ["blotto", "blotto.yaml"],
  ["regressionKaggleHousePrice", "regressionKaggleHousePrice.yaml"],
] as const) {
  const skip =
    skipOriginal || (id === "regressionKaggleHousePrice" && !linked && "run `mlgym data link` first");
  test(`the original's ${yaml} runs its baseline within tolerance of its recorded score`, {
    skip,
    timeout: 300_000,
  }, () => {
    const file = join(ORIGINAL, "configs", "tasks", yaml);
    // The default sandbox: the original's evaluation reads its hidden answers at /home/agent/workspace/data, a path
    // that only an isolating backend lays out.
    const r = mlgym(["baseline", file, "--data-root", ORIGINAL, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { metrics: Record<string, number>; recordedOnly: boolean };
    assert.equal(out.recordedOnly, false, "the baseline ran");
    const builtin = loadTask(id).config;
    const recorded = /^baseline_scores:\n- (\w+): (\S+)/m.exec(readFileSync(file, "utf8"));
    assert.ok(recorded, "the YAML records a baseline score");
    const [, metric, value] = recorded;
    const got = out.metrics[metric!];
    assert.equal(typeof got, "number", JSON.stringify(out.metrics));
    assert.ok(
      Math.abs(got! - Number(value)) <= builtin.tolerance!,
      `${metric} ${got} vs recorded ${value} (tolerance ${builtin.tolerance})`,
    );
  });
}
