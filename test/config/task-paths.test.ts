import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative } from "node:path";
import { test } from "node:test";
import { loadTaskSpec } from "../../src/config/load-task.js";
import { dataRootsFromEnv } from "../../src/config/task-paths.js";
import { ConfigError } from "../../src/errors.js";
import { loadTask } from "../../src/tasks/registry.js";
import { mlgym } from "../helpers/cli.js";

const TASK = "id: t\nname: T\ndescription: d\n";

/** A file outside any task folder, standing for a host secret. */
function hostSecret(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-host-"));
  writeFileSync(join(dir, "secret.txt"), "do not copy\n");
  return join(dir, "secret.txt");
}

/** A task folder with `task.yaml` (TASK + `extra`) and the given files. */
function taskDir(extra: string, files: Record<string, string> = {}): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-task-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  writeFileSync(join(dir, "task.yaml"), TASK + extra);
  return { dir, file: join(dir, "task.yaml") };
}

/** Loading fails with a ConfigError naming `file` and `field`, and the message matches `pattern`. */
function refused(load: () => unknown, file: string, field: string, pattern: RegExp): void {
  assert.throws(load, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.equal(e.file, file);
    assert.equal(e.field, field);
    assert.match(e.message, pattern);
    assert.match(e.message, /paths must stay inside the task folder /, "says what is allowed");
    return true;
  });
}

test("a starter_code path climbing out with .. is refused, naming the file and the field", () => {
  const secret = hostSecret();
  const { dir, file } = taskDir("", { "ok.py": "" });
  const rel = relative(dir, secret);
  writeFileSync(file, `${TASK}starter_code:\n  - ok.py\n  - ${rel}\n`);
  refused(
    () => loadTaskSpec(file, { roots: [] }),
    file,
    "starter_code.1",
    /leads outside the allowed folders/,
  );
  writeFileSync(file, `${TASK}starter_code: [../../../../../../../etc/hostname]\n`);
  refused(
    () => loadTaskSpec(file, { roots: [] }),
    file,
    "starter_code.0",
    /'\.\.\/.*etc\/hostname' leads outside/,
  );
});

test("absolute paths outside the task folder are refused; inside it they load", () => {
  const secret = hostSecret();
  const { dir, file } = taskDir(`sample_submission: ${secret}\n`);
  refused(
    () => loadTaskSpec(file, { roots: [] }),
    file,
    "sample_submission",
    /is outside the allowed folders/,
  );
  writeFileSync(join(dir, "sample.csv"), "id\n");
  writeFileSync(file, `${TASK}sample_submission: ${join(dir, "sample.csv")}\n`);
  assert.equal(loadTaskSpec(file, { roots: [] }).sampleSubmission, join(dir, "sample.csv"));
});

test("a symlink inside the task folder that points out is refused, also deep inside a copied folder", () => {
  const secret = hostSecret();
  const { dir, file } = taskDir("starter_code: [link.txt]\n");
  symlinkSync(secret, join(dir, "link.txt"));
  refused(
    () => loadTaskSpec(file, { roots: [] }),
    file,
    "starter_code.0",
    /resolves to .*secret\.txt \(a symlink\)/,
  );

  const nested = taskDir("starter_code: [starter]\n", { "starter/train.py": "" });
  mkdirSync(join(nested.dir, "starter", "deep"));
  symlinkSync(join(secret, ".."), join(nested.dir, "starter", "deep", "host"));
  refused(
    () => loadTaskSpec(nested.file, { roots: [] }),
    nested.file,
    "starter_code.0",
    /'starter' holds a symlink deep\/host to /,
  );
});

test("a symlink that stays inside the task folder is fine and keeps its own name", () => {
  const { dir, file } = taskDir("starter_code: [alias.py]\n", { "real/impl.py": "x = 1\n" });
  symlinkSync(join(dir, "real", "impl.py"), join(dir, "alias.py"));
  const spec = loadTaskSpec(file, { roots: [] });
  assert.deepEqual(spec.starterCode, [{ hostPath: join(dir, "real", "impl.py"), name: "alias.py" }]);
});

test("a dataset YAML whose data_path escapes is refused, naming the dataset file", () => {
  const secret = hostSecret();
  const { dir, file } = taskDir("dataset_configs: [ds.yaml]\n");
  const dsFile = join(dir, "ds.yaml");
  writeFileSync(
    dsFile,
    `name: D\ndescription: data\nis_local: true\ndata_path: ${relative(dir, join(secret, ".."))}\n`,
  );
  refused(() => loadTaskSpec(file, { roots: [] }), dsFile, "data_path", /leads outside the allowed folders/);
  writeFileSync(dsFile, "name: D\ndescription: data\nis_local: true\ndata_path: /etc\n");
  refused(() => loadTaskSpec(file, { roots: [] }), dsFile, "data_path", /'\/etc' is outside/);
  // A hub id is not a host path: nothing to check.
  writeFileSync(dsFile, "name: D\ndescription: data\ndata_path: ../../org/hub-dataset\n");
  assert.equal(loadTaskSpec(file, { roots: [] }).datasets[0]?.localPath, undefined);
});

test("other host paths (prepare_script, requirements_path, memory_path) are confined too", () => {
  const { file } = taskDir("prepare_script: ../prepare.py\n");
  refused(() => loadTaskSpec(file, { roots: [] }), file, "prepare_script", /leads outside/);
  writeFileSync(file, `${TASK}requirements_path: /etc/passwd\n`);
  refused(() => loadTaskSpec(file, { roots: [] }), file, "requirements_path", /is outside/);
  writeFileSync(file, `${TASK}memory_path: data/t/memory.json\n`);
  assert.equal(loadTaskSpec(file, { roots: [] }).config.memory_path, "data/t/memory.json", "may be missing");
});

/** The original MLGym layout: configs/tasks/*.yaml naming configs/datasets/*.yaml and data/<task>/... */
function originalCheckout(): { root: string; tasksDir: string } {
  const root = mkdtempSync(join(tmpdir(), "mlgym-checkout-"));
  const files: Record<string, string> = {
    "configs/datasets/gameData.yaml":
      "name: Game\ndescription: the game data\ndata_path: data/game/data\nis_local: true\n",
    "configs/tasks/game.yaml": [
      "id: game",
      "name: Game",
      "description: 'Play. {dataset_docs}'",
      "dataset_configs: [datasets/gameData.yaml]",
      "task_entrypoint: PythonSubmissionTasks",
      "starter_code: [data/game/target.py, data/game/evaluate.py]",
      "memory_path: data/game/memory.json",
      "baseline_scores: [{Score: 1.0}]",
      "",
    ].join("\n"),
    "data/game/target.py": "def f():\n    return 1\n",
    "data/game/evaluate.py": "print('{\"Score\": 1.0}')\n",
    "data/game/data/rounds.csv": "a,b\n",
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return { root, tasksDir: join(root, "configs", "tasks") };
}

test("the original layout loads when its root is named: as an option, in MLGYM_DATA_ROOT, or with --data-root", () => {
  const { root, tasksDir } = originalCheckout();
  const file = join(tasksDir, "game.yaml");
  refused(() => loadTaskSpec(file, { roots: [] }), file, "dataset_configs.0", /is found only at /);
  const spec = loadTask("game", [tasksDir], { roots: [root] });
  assert.equal(spec.datasets[0]?.localPath, join(root, "data", "game", "data"));
  assert.deepEqual(
    spec.starterCode.map((s) => s.hostPath),
    [join(root, "data", "game", "target.py"), join(root, "data", "game", "evaluate.py")],
  );
  assert.deepEqual(dataRootsFromEnv({ MLGYM_DATA_ROOT: `${root}${delimiter}/other` }), [root, "/other"]);

  const listed = mlgym(["tasks", "--tasks-dir", tasksDir, "--data-root", root, "--json"]);
  assert.equal(listed.code, 0, listed.stderr + listed.stdout);
  const game = (JSON.parse(listed.stdout) as Array<{ id: string; error?: string }>).find(
    (t) => t.id === "game",
  );
  assert.equal(game?.error, undefined);
  const viaEnv = mlgym(["tasks", "--tasks-dir", tasksDir, "--json"], { env: { MLGYM_DATA_ROOT: root } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr + viaEnv.stdout);
  const without = mlgym(["tasks", "--tasks-dir", tasksDir], { env: { MLGYM_DATA_ROOT: "" } });
  assert.equal(without.code, 2);
  assert.match(
    without.stdout,
    /game +INVALID: .*game\.yaml: dataset_configs\.0: path 'datasets\/gameData\.yaml' is found only at/,
  );
});

test("a data root that does not exist is a ConfigError", () => {
  const { file } = taskDir("");
  assert.throws(
    () => loadTaskSpec(file, { roots: ["/no/such/root"] }),
    /data root '\/no\/such\/root' is not a folder/,
  );
});
