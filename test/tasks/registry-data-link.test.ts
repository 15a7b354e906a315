import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { make } from "../../src/env/make.js";
import { ConfigError } from "../../src/errors.js";
import { evaluationSupportDir } from "../../src/runtime/paths.js";
import { ensurePythonRuntime } from "../../src/runtime/python-runtime.js";
import { formatDataLinkReport, HUB_BUILDABLE, linkOriginalData } from "../../src/tasks/data-link.js";
import { loadTask } from "../../src/tasks/registry.js";
import { mlgym } from "../helpers/cli.js";
import { isolatingBackends } from "../helpers/sandboxes.js";

const ORIGINAL = "/tmp/mlgym-original";

/** A folder holding the given files (paths relative to it). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-link-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const originalTask = (id: string, dataset: string) =>
  `id: ${id}\nname: ${id}\ndescription: d\ntask_entrypoint: CSVSubmissionTasks\ndataset_configs:\n- datasets/${dataset}\nstarter_code: []\nevaluation_paths:\n- evaluate.py\nbaseline_scores:\n- acc: 0.5\n`;
const localDataset = (path: string) => `name: d\ndescription: d\ndata_path: ${path}\nis_local: true\n`;

/** A checkout of the original with three local datasets (ours has data for one) and a remote one. */
function fakeCheckout(): string {
  return folder({
    "mlgym/__init__.py": "",
    "configs/tasks/mine.yaml": originalTask("mine", "mine.yaml"),
    "configs/tasks/mineL1.yaml": originalTask("mine", "mine.yaml"),
    "configs/tasks/theirs.yaml": originalTask("theirs", "theirs.yaml"),
    "configs/tasks/sat.yaml": originalTask("3SATTime", "sat.yaml"),
    "configs/datasets/mine.yaml": localDataset("data/mine/data"),
    "configs/datasets/theirs.yaml": localDataset("data/theirs/data"),
    "configs/datasets/sat.yaml": localDataset("data/3SATTime/data"),
    "configs/datasets/orphan.yaml": localDataset("data/orphan/data"),
    "configs/datasets/hub.yaml": "name: hub\ndescription: d\ndata_path: org/dataset\nis_local: false\n",
  });
}

/** Our tasks: `mine`, whose data folder holds two files (one hidden from agents) and a dotfile. */
function ourTasks(): string {
  return folder({
    "mine/task.yaml":
      "id: mine\nname: mine\ndescription: d\ntask_entrypoint: CSVSubmissionTasks\ndataset_configs: [dataset.yaml]\nstarter_code: []\nevaluation_paths: [evaluate.py]\nhidden_files: [data/answer.csv]\n",
    "mine/dataset.yaml": localDataset("data"),
    "mine/evaluate.py": "",
    "mine/data/train.csv": "x\n1\n",
    "mine/data/answer.csv": "y\n0\n",
    "mine/data/.gitignore": "*\n",
  });
}

test("links our data into the folders the original's dataset YAMLs name, and says what it could not", () => {
  const root = fakeCheckout();
  const ours = ourTasks();
  const dry = linkOriginalData(join(root, "configs", "tasks"), { tasksDirs: [ours], dryRun: true });
  assert.equal(dry.checkout, root);
  assert.deepEqual(
    dry.linked.map((r) => [r.target, r.tasks, r.from?.taskId]),
    [[join(root, "data", "mine", "data"), ["mine"], "mine"]],
  );
  assert.equal(existsSync(join(root, "data", "mine")), false, "a dry run touches nothing");

  const report = linkOriginalData(root, { tasksDirs: [ours] });
  assert.equal(report.linked[0]?.files, 2);
  const target = join(root, "data", "mine", "data");
  assert.deepEqual(readdirSync(target).sort(), ["answer.csv", "train.csv"]);
  assert.equal(
    statSync(join(target, "train.csv")).ino,
    statSync(join(ours, "mine", "data", "train.csv")).ino,
  );
  const missing = Object.fromEntries(
    report.missing.map((r) => [r.tasks.join(",") || "none", r.reason ?? ""]),
  );
  assert.match(missing.theirs ?? "", /no task of ours has the id theirs/);
  assert.match(missing["3SATTime"] ?? "", /is_sat labels/);
  assert.match(missing.none ?? "", /no task YAML of the checkout uses this dataset/);
  assert.equal(
    report.missing.length,
    3,
    "the hub dataset is the task's own download, not a folder to supply",
  );
  const text = formatDataLinkReport(report);
  assert.match(text, /^linked {3}data\/mine\/data <- .*mine\/data \(mine, small scale, 2 files\)$/m);
  assert.match(text, /^missing {2}data\/theirs\/data \(theirs\): no task of ours/m);

  // The original's task now loads from its checkout alone, on the linked data.
  const spec = loadTask(join(root, "configs", "tasks", "mine.yaml"), [], { roots: [] });
  assert.equal(spec.datasets[0]?.localPath, target);
  assert.equal(readFileSync(join(spec.datasets[0]!.localPath!, "answer.csv"), "utf8"), "y\n0\n");

  // Run again: what is there stays as it is.
  const again = linkOriginalData(root, { tasksDirs: [ours] });
  assert.deepEqual(again.linked, []);
  assert.deepEqual(
    again.present.map((r) => r.reason),
    ["data/mine/data is already there"],
  );
});

test("a folder that is not a checkout of the original is a ConfigError saying what was expected", () => {
  assert.throws(
    () => linkOriginalData(folder({ "configs/tasks/x.yaml": "id: x\n" })),
    (e: unknown) =>
      e instanceof ConfigError &&
      /not a checkout of the original MLGym: expected the mlgym\/ package/.test(e.message),
  );
});

test("on the original's checkout every local dataset is linked, present or missing with a reason", {
  skip: !existsSync(join(ORIGINAL, "configs", "datasets")) && `no checkout of the original at ${ORIGINAL}`,
}, () => {
  const report = linkOriginalData(ORIGINAL, { dryRun: true });
  const all = [...report.linked, ...report.present, ...report.missing];
  const rows = all.filter((r) => !r.target.includes("/data/hf-datasets/"));
  const local = readdirSync(join(ORIGINAL, "configs", "datasets")).filter((f) =>
    /is_local: *true/.test(readFileSync(join(ORIGINAL, "configs", "datasets", f), "utf8")),
  );
  assert.deepEqual(rows.map((r) => r.dataset.split("/").at(-1)).sort(), local.sort());
  // The Hub datasets its tasks load at run time: an offline copy of Fashion-MNIST, none of the others.
  const hub = all.filter((r) => r.target.includes("/data/hf-datasets/"));
  const fmnist = hub.find((r) => r.target.endsWith("zalando-datasets___fashion_mnist"));
  assert.ok(fmnist && !report.missing.includes(fmnist), formatDataLinkReport(report, true));
  const cifar = report.missing.find((r) => r.target.endsWith("uoft-cs___cifar10"));
  assert.match(
    cifar?.reason ?? "",
    /loads uoft-cs\/cifar10 from the Hugging Face Hub at run time \(needs the network\)/,
  );
  for (const r of report.missing) assert.ok(r.reason, r.dataset);
  // House prices: our data is the original's own split, so it is linked or already there.
  assert.ok(
    [...report.linked, ...report.present].some((r) =>
      r.target.endsWith("data/regressionKaggleHousePrice/data"),
    ),
    formatDataLinkReport(report, true),
  );
});

test("mlgym data link: --dry-run prints what it would link and changes nothing; --json is the report; a non-checkout exits 2 naming what was expected", () => {
  const root = fakeCheckout();
  const ours = ourTasks();
  const dry = mlgym(["data", "link", root, "--tasks-dir", ours, "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^would link {3}data\/mine\/data <- .*\(mine, small scale\)$/m);
  assert.match(dry.stdout, /^missing {2}data\/3SATTime\/data \(3SATTime\): .*is_sat labels/m);
  assert.equal(existsSync(join(root, "data", "mine")), false);

  const done = mlgym(["data", "link", root, "--tasks-dir", ours, "--json"]);
  assert.equal(done.code, 0, done.stderr);
  const report = JSON.parse(done.stdout) as { linked: { target: string; files: number }[] };
  assert.deepEqual(
    report.linked.map((r) => [r.target, r.files]),
    [[join(root, "data", "mine", "data"), 2]],
  );
  assert.deepEqual(readdirSync(join(root, "data", "mine", "data")).sort(), ["answer.csv", "train.csv"]);

  const bad = mlgym(["data", "link", ours]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a checkout of the original MLGym/);
});

// The original's Fashion-MNIST task loads `zalando-datasets/fashion_mnist` from the Hub in its baseline and its
// evaluation: `mlgym data link` builds an offline copy from our data, and episodes of the checkout's task read it.
const FMNIST = join(import.meta.dirname, "../../tasks/imageClassificationFMnist/data/train.npz");
const isolating = isolatingBackends().find((b) => !b.skip);
test("an offline copy of a Hub dataset: built by data link, mounted read-only, read by load_dataset in the agent's shell and in the evaluation", {
  skip:
    (!existsSync(FMNIST) && "our Fashion-MNIST data is not prepared (mlgym setup)") ||
    (!isolating && "no isolating sandbox"),
  timeout: 600_000,
}, async () => {
  const root = folder({
    "mlgym/__init__.py": "",
    "configs/datasets/fashionMnistHF.yaml":
      "name: Fashion MNIST\ndescription: d\ndata_path: zalando-datasets/fashion_mnist\nis_local: false\n",
    "configs/tasks/imageClassificationFMnist.yaml":
      "id: imageClassificationFMnist\nname: f\ndescription: d\ntask_entrypoint: CSVSubmissionTasks\ndataset_configs:\n- datasets/fashionMnistHF.yaml\nstarter_code:\n- data/fm/evaluate.py\nevaluation_paths:\n- evaluate.py\nbaseline_scores:\n- n: 1\n",
    "data/fm/evaluate.py":
      'import json\nfrom datasets import load_dataset\nt = load_dataset("zalando-datasets/fashion_mnist", split="test")\nprint(json.dumps({"n": len(t), "first": t[0]["label"], "second": t[1]["label"]}))\n',
  });
  const runtime = await ensurePythonRuntime();
  const python = `${runtime.binDir}/python`;
  const report = linkOriginalData(root, { python });
  const row = report.linked.find((r) => r.target.endsWith("zalando-datasets___fashion_mnist"));
  assert.ok(row, formatDataLinkReport(report));
  assert.equal(row.files, 3, "dataset_info.json and an arrow file per split");
  assert.deepEqual(
    linkOriginalData(root, { python }).present.map((r) => r.reason),
    ["data/hf-datasets/zalando-datasets___fashion_mnist is already there"],
  );

  const yaml = join(root, "configs", "tasks", "imageClassificationFMnist.yaml");
  const copy = loadTask(yaml, [], { roots: [] }).datasets[0]?.hubCopy;
  assert.ok(copy?.hostDir.startsWith(join(root, "data", "hf-datasets", "zalando-datasets___fashion_mnist")));
  const env = make(yaml, { sandbox: isolating!.name, maxSteps: 10 });
  try {
    await env.reset({ seed: 1 });
    const load =
      "python -c \"from datasets import load_dataset; d = load_dataset('zalando-datasets/fashion_mnist'); print(d['train'].num_rows, d['test'].num_rows)\" 2>/dev/null";
    assert.equal((await env.step(load)).observation, "60000 10000");
    const write = await env.step(`touch $HF_DATASETS_CACHE/${copy!.cachePath}/x 2>&1; echo $?`);
    assert.match(write.observation, /Read-only file system\n1$/);
    // The attack: a newer copy planted beside the mounted one (the library takes the most recent), whose test split
    // is the training split. It fools the agent's own shell; the evaluation's /tmp is its own, so not the score.
    const versions = `$HF_DATASETS_CACHE/${copy!.cachePath.split("/").slice(0, -1).join("/")}`;
    const plant = await env.step(
      `mkdir ${versions}/ffffffffffffffff && cp ${versions}/*/dataset_info.json ${versions}/ffffffffffffffff/ && cp $HF_DATASETS_CACHE/${copy!.cachePath}/fashion_mnist-train.arrow ${versions}/ffffffffffffffff/fashion_mnist-test.arrow && cp $HF_DATASETS_CACHE/${copy!.cachePath}/fashion_mnist-train.arrow ${versions}/ffffffffffffffff/ && python -c "from datasets import load_dataset; print(load_dataset('zalando-datasets/fashion_mnist', split='test')[1]['label'])" 2>/dev/null`,
    );
    const answers = readFileSync(
      join(import.meta.dirname, "../../tasks/imageClassificationFMnist/data/answer.csv"),
      "utf8",
    );
    const [first, second] = answers
      .split("\n")
      .slice(1, 3)
      .map((line) => line.split(",").at(-1)!.trim());
    assert.match(plant.observation, /^\d$/);
    assert.notEqual(plant.observation, second, "the planted copy is what the agent's shell now loads");
    await env.step("echo label > submission.csv");
    assert.match(
      (await env.step("validate")).observation,
      new RegExp(`Evaluation Score: \\{'n': 10000, 'first': ${first}, 'second': ${second}\\}`),
    );
  } finally {
    await env.close();
  }
});

test("the Hub datasets data link offers to build are those the Python builder knows", async () => {
  const runtime = await ensurePythonRuntime();
  const listed = spawnSync(
    `${runtime.binDir}/python`,
    ["-c", "import json, mlgym_data.hub_cache as h; print(json.dumps(sorted(h.BUILDERS)))"],
    { encoding: "utf8", env: { ...process.env, PYTHONPATH: evaluationSupportDir() } },
  );
  assert.equal(listed.status, 0, listed.stderr);
  assert.deepEqual(JSON.parse(listed.stdout), [...HUB_BUILDABLE].sort());
});
