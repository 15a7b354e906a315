import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { buildPlan } from "../../src/batch/plan.js";
import { ConfigError } from "../../src/errors.js";
import { readTrajectory } from "../../src/trajectory/read.js";
import { mlgym, mlgymAsync } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

/** tinyCsv with a full scale that needs `gpus` devices and reads its data from the data cache (filled here). */
function scaledTask(gpus: number): { tasksDir: string; dataDir: string } {
  const root = mkdtempSync(join(tmpdir(), "mlgym-scaled-"));
  const tasksDir = join(root, "tasks");
  const task = join(tasksDir, "scaledCsv");
  cpSync(join(FIXTURE_TASKS, "tinyCsv"), task, { recursive: true });
  const yaml = readFileSync(join(task, "task.yaml"), "utf8")
    .replace("id: tinyCsv", "id: scaledCsv")
    .concat(`scales:\n  full:\n    dataset_configs: [dataset.full.yaml]\n    gpus: ${gpus}\n`);
  writeFileSync(join(task, "task.yaml"), yaml);
  writeFileSync(
    join(task, "dataset.full.yaml"),
    "name: full\ndescription: the full data\ndata_path: mlgym-data:scaledCsv\nis_local: true\n",
  );
  const dataDir = join(root, "cache");
  cpSync(join(task, "data"), join(dataDir, "scaledCsv", "data"), { recursive: true });
  writeFileSync(join(dataDir, "scaledCsv", ".complete"), "{}");
  return { tasksDir, dataDir };
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

const plan = (tasksDir: string, extra: Record<string, unknown>) =>
  buildPlan(
    { tasks: ["scaledCsv"], models: ["openai:gpt-4o"], tasks_dirs: [tasksDir], ...extra },
    { output: "runs" },
  );

test("a task's gpus at the batch's scale set each episode's devices, and the scale enters the key", () => {
  const { tasksDir, dataDir } = scaledTask(2);
  withDataDir(dataDir, () => {
    const small = plan(tasksDir, { gpus: ["0", "1", "2"] });
    assert.equal(small.episodes[0]?.gpusPerRun, 1, "small scale: gpus 0, one of the batch's devices");
    assert.equal(small.episodes[0]?.scale, undefined);
    const full = plan(tasksDir, { gpus: ["0", "1", "2"], scale: "full" });
    assert.equal(full.episodes[0]?.gpusPerRun, 2);
    assert.equal(full.episodes[0]?.scale, "full");
    assert.notEqual(full.episodes[0]?.key, small.episodes[0]?.key);
    assert.throws(
      () => plan(tasksDir, { gpus: ["0"], scale: "full" }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.field === "gpus" &&
        /task 'scaledCsv' needs 2 GPU\(s\) at scale full but 1 is given/.test(e.message),
    );
    assert.throws(
      () => plan(tasksDir, { gpus: ["0", "1"], gpus_per_run: 1, scale: "full" }),
      (e: unknown) =>
        e instanceof ConfigError && /needs 2 GPU\(s\) at scale full but gpus_per_run is 1/.test(e.message),
    );
  });
});

test("mlgym batch --scale full runs on the fetched data with the task's devices; a bad scale is refused", async () => {
  const { tasksDir, dataDir } = scaledTask(2);
  const dir = mkdtempSync(join(tmpdir(), "mlgym-scaled-batch-"));
  const script = join(dir, "gpu.json");
  const fenced = (cmd: string) => `DISCUSSION\nnext\n\`\`\`\n${cmd}\n\`\`\``;
  writeFileSync(
    script,
    JSON.stringify([fenced('echo "devices=$CUDA_VISIBLE_DEVICES"; ls data'), fenced("submit")]),
  );
  const output = join(dir, "runs");
  const args = [
    ...[
      "batch",
      "--tasks",
      "scaledCsv",
      "--models",
      `scripted:${script}`,
      "--runs",
      "2",
      "--concurrency",
      "2",
    ],
    ...["--tasks-dir", tasksDir, "--sandbox", "local", "--output", output, "--max-steps", "4"],
    ...["--gpus", "0,1,2,3", "--scale", "full"],
  ];
  const env = { MLGYM_DATA_DIR: dataDir };
  const r = await mlgymAsync(args, { env });
  assert.equal(r.code, 0, r.stderr);
  const folders = readdirSync(output).filter((n) => n.includes("_run_"));
  assert.equal(folders.length, 2);
  for (const f of folders) {
    const recorded = JSON.parse(readFileSync(join(output, f, "args.json"), "utf8"));
    assert.equal(recorded.scale, "full");
    assert.equal(recorded.devices.length, 2);
    const observation = readTrajectory(join(output, f, "scaledCsv.traj")).trajectory[0]!.observation;
    assert.match(observation, new RegExp(`devices=${recorded.devices.join(",")}$`, "m"));
    assert.match(observation, /train\.csv/);
  }
  const bad = mlgym(["batch", "--scale", "huge", ...args.slice(1, -2)], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--scale: unknown scale 'huge'; allowed: small, full/);
  mkdirSync(join(dir, "empty"));
  const missing = mlgym([...args.slice(0, -2), "--scale", "full", "--dry-run"], {
    env: { MLGYM_DATA_DIR: join(dir, "empty") },
  });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /dataset\.full\.yaml: data_path: .*mlgym data fetch scaledCsv/);
});
