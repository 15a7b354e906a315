import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { readResults, readTrajectory } from "../../src/trajectory/read.js";
import { mlgym, mlgymAsync, mlgymProcess } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { FakeServer } from "../models/fake-server.js";

// `mlgym batch` as a user runs it: a real CLI process, real episodes (scripted models, the fixture tasks, the local
// sandbox), then interrupted, killed and resumed.

const fenced = (cmd: string) => `DISCUSSION\nnext\n\`\`\`\n${cmd}\n\`\`\``;

/** A scripted model: one command (the baseline where there is one, then a pause), then submit. */
function script(dir: string, name: string, pauseS = 0): string {
  const file = join(dir, `${name}.json`);
  const pause = pauseS > 0 ? `; sleep ${pauseS}` : "";
  writeFileSync(
    file,
    JSON.stringify([
      fenced(`python3 baseline.py >/dev/null 2>&1; echo "devices=$CUDA_VISIBLE_DEVICES"${pause}`),
      fenced("submit"),
    ]),
  );
  return `scripted:${file}`;
}

/** The run folders of an output folder (what `mlgym report` reads). */
function runFolders(output: string): string[] {
  return readdirSync(output)
    .filter((n) => n.includes("_run_"))
    .sort();
}

/** `mlgym batch` as a child process to watch, signal and kill. */
const startBatch = (args: string[]) => mlgymProcess(["batch", ...args]);

const common = (output: string) => [
  ...["--tasks-dir", FIXTURE_TASKS, "--sandbox", "local", "--output", output, "--max-steps", "5"],
];

describe("mlgym batch (local)", () => {
  test("3 tasks x 2 models x 2 runs complete, with a report; a second start skips all of them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-batch-"));
    const output = join(dir, "runs");
    const models = [script(dir, "alpha"), script(dir, "beta")].join(",");
    const args = [
      ...["--tasks", "tinyCsv,tinyPython,tinyModel", "--models", models, "--runs", "2", "--concurrency", "2"],
      ...["--policy-version", "ckpt-7"],
      ...common(output),
    ];
    const dry = mlgym(["batch", ...args, "--dry-run"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout.split("\n").filter((l) => l.includes("_run_")).length, 12);
    assert.equal(existsSync(output), false, "a dry run writes nothing");

    const first = await mlgymAsync(["batch", ...args]);
    assert.equal(first.code, 0, first.stderr);
    const folders = runFolders(output);
    assert.equal(folders.length, 12);
    for (const task of ["tinyCsv", "tinyPython", "tinyModel"])
      for (const model of ["scripted-alpha", "scripted-beta"])
        for (const run of [0, 1])
          assert.ok(folders.some((f) => f.startsWith(`${model}__${task}__`) && f.endsWith(`_run_${run}`)));
    for (const f of folders) {
      const args = JSON.parse(readFileSync(join(output, f, "args.json"), "utf8"));
      assert.match(args.episode_key, /^[0-9a-f]{32}$/);
      assert.equal(args.policy_version, "ckpt-7");
      readResults(join(output, f, "results.json"));
      assert.equal(readTrajectory(join(output, f, `${args.task}.traj`)).info.policy_version, "ckpt-7");
    }
    assert.match(first.stdout, /12\/12 episodes complete \(0 from before\)/);
    assert.ok(existsSync(join(output, "report", "best_scores.csv")), "report tables written");
    assert.equal(readdirSync(join(output, ".partial")).length, 0, "no attempt folder left behind");

    const stamps = folders.map((f) => statSync(join(output, f, "results.json")).mtimeMs);
    const again = await mlgymAsync(["batch", ...args]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /12\/12 episodes complete \(12 from before\)/);
    assert.deepEqual(runFolders(output), folders);
    assert.deepEqual(
      folders.map((f) => statSync(join(output, f, "results.json")).mtimeMs),
      stamps,
      "completed episodes are not run again",
    );
  });

  test("SIGKILL midway loses no completed episode; the restart runs the rest exactly once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-batch-kill-"));
    const output = join(dir, "runs");
    const args = [
      ...["--tasks", "tinyCsv", "--models", script(dir, "slow", 3), "--runs", "4", "--concurrency", "2"],
      ...common(output),
    ];
    const batch = startBatch(args);
    await batch.waitFor(() => existsSync(output) && runFolders(output).length >= 1);
    batch.child.kill("SIGKILL");
    await batch.exited;
    const survivors = runFolders(output);
    assert.ok(survivors.length >= 1 && survivors.length < 4, `killed midway: ${survivors.join(", ")}`);
    const stamps = survivors.map((f) => statSync(join(output, f, "results.json")).mtimeMs);

    const resumed = await mlgymAsync(["batch", ...args]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const folders = runFolders(output);
    assert.deepEqual(
      folders.map((f) => f.replace(/.*_run_/, "")),
      ["0", "1", "2", "3"],
      "each run exactly once",
    );
    assert.deepEqual(
      survivors.map((f) => statSync(join(output, f, "results.json")).mtimeMs),
      stamps,
      "what completed before the kill is kept as it was",
    );
    assert.match(resumed.stdout, new RegExp(`4/4 episodes complete \\(${survivors.length} from before\\)`));
    assert.equal(
      readdirSync(join(output, ".partial")).length,
      0,
      "the killed batch's attempt folders are cleared",
    );
  });

  test("Ctrl-C: running episodes end as interrupted (not failed), exit 130; the next start resumes", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-batch-int-"));
    const output = join(dir, "runs");
    const args = [
      ...["--tasks", "tinyCsv", "--models", script(dir, "slow", 30), "--runs", "3", "--concurrency", "2"],
      ...common(output),
    ];
    const batch = startBatch(args);
    await batch.waitFor(() => (batch.out().stderr.match(/started /g) ?? []).length >= 2);
    // Give the sandboxes a moment to be inside their long command.
    await new Promise((r) => setTimeout(r, 1500));
    batch.child.kill("SIGINT");
    const code = await batch.exited;
    const { stdout, stderr } = batch.out();
    assert.equal(code, 130, stderr);
    assert.match(stderr, /stopping: no new episodes/);
    assert.match(stdout, /2 interrupted \(run the batch again to resume\)/);
    assert.match(stdout, /1 not started \(interrupted\)/);
    assert.doesNotMatch(stderr, /FAILED/);
    assert.deepEqual(runFolders(output), [], "an interrupted episode leaves no run folder");
    const manifest = JSON.parse(
      readFileSync(join(output, ".mlgym-batch", readdirSync(join(output, ".mlgym-batch"))[0]!), "utf8"),
    );
    assert.equal(manifest.state, "interrupted");
    assert.deepEqual(manifest.episodes.map((e: { status: string }) => e.status).sort(), [
      "interrupted",
      "interrupted",
      "pending",
    ]);

    // Resumed with short episodes: the same plan (the script is read when an episode starts).
    script(dir, "slow", 0);
    const resumed = await mlgymAsync(["batch", ...args]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(runFolders(output).length, 3);
  });

  test("infrastructure failures are retried with backoff, then marked failed without holding up the rest; a rerun keeps what completed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-batch-infra-"));
    const output = join(dir, "runs");
    // A model API on a closed port: unreachable at once.
    const args = [
      ...["--tasks", "tinyCsv", "--models", `${script(dir, "ok")},openai:gpt-4o-mini`, "--runs", "1"],
      ...[
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--retries",
        "1",
        "--retry-delay",
        "100",
        "--concurrency",
        "2",
      ],
      ...common(output),
    ];
    const env = { OPENAI_API_KEY: "sk-test" };
    const first = await mlgymAsync(["batch", ...args], { env });
    assert.equal(first.code, 3, first.stderr);
    assert.match(
      first.stderr,
      /retry +openai-gpt-4o-mini__tinyCsv__\S+ in 0s \(attempt 2\): api_unreachable/,
    );
    assert.match(first.stderr, /FAILED +openai-gpt-4o-mini__tinyCsv__/);
    assert.match(first.stdout, /1\/2 episodes complete/);
    assert.match(first.stdout, /1 failed for infrastructure/);
    const folders = runFolders(output);
    assert.deepEqual(
      folders.map((f) => f.split("__")[0]),
      ["scripted-ok"],
      "only the completed episode has a folder",
    );
    // The failed attempts are kept aside for diagnosis, out of the report's way.
    assert.equal(readdirSync(join(output, ".attempts")).length, 2);
    const stamp = statSync(join(output, folders[0]!, "results.json")).mtimeMs;

    const rerun = await mlgymAsync(["batch", ...args], { env });
    assert.equal(rerun.code, 3);
    assert.match(rerun.stdout, /1\/2 episodes complete \(1 from before\)/);
    assert.equal(statSync(join(output, folders[0]!, "results.json")).mtimeMs, stamp);
  });

  test("devices: no two running episodes share one; each sees its own in CUDA_VISIBLE_DEVICES", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-batch-gpu-"));
    const output = join(dir, "runs");
    const args = [
      ...["--tasks", "tinyCsv", "--models", script(dir, "gpu", 1), "--runs", "4", "--concurrency", "4"],
      ...["--gpus", "0,1"],
      ...common(output),
    ];
    const r = await mlgymAsync(["batch", ...args]);
    assert.equal(r.code, 0, r.stderr);
    const spans: Array<{ device: string; start: number; end: number }> = [];
    for (const f of runFolders(output)) {
      const args = JSON.parse(readFileSync(join(output, f, "args.json"), "utf8"));
      assert.equal(args.devices.length, 1);
      const traj = readTrajectory(join(output, f, "tinyCsv.traj"));
      assert.match(traj.trajectory[0]!.observation, new RegExp(`devices=${args.devices[0]}$`, "m"));
      const start = statSync(join(output, f, "args.json")).mtimeMs;
      const end = statSync(join(output, f, "results.json")).mtimeMs;
      spans.push({ device: args.devices[0], start, end });
    }
    for (const a of spans)
      for (const b of spans)
        if (a !== b && a.device === b.device)
          assert.ok(a.end <= b.start || b.end <= a.start, "a device was shared");
  });

  test("bad plans are refused before anything runs, naming the field", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-batch-bad-"));
    const output = join(dir, "runs");
    const model = script(dir, "x");
    const unknown = mlgym(["batch", "--tasks", "noSuchTask", "--models", model, ...common(output)]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown task 'noSuchTask'/);
    const seeds = mlgym([
      "batch",
      "--tasks",
      "tinyCsv",
      "--models",
      model,
      "--runs",
      "3",
      "--seeds",
      "1,2",
      ...common(output),
    ]);
    assert.equal(seeds.code, 2);
    assert.match(seeds.stderr, /seeds: 2 seeds for 3 runs/);
    const gpus = mlgym([
      "batch",
      "--tasks",
      "tinyCsv",
      "--models",
      model,
      "--gpus",
      "0",
      "--gpus-per-run",
      "2",
      ...common(output),
    ]);
    assert.equal(gpus.code, 2);
    assert.match(gpus.stderr, /gpus_per_run: each run needs 2 device\(s\) but 1 is given/);
    const plan = join(dir, "plan.yaml");
    writeFileSync(plan, "tasks: [tinyCsv]\nmodels: [x]\nconcurrancy: 2\n");
    const typo = mlgym(["batch", plan]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /plan\.yaml/);
    assert.match(typo.stderr, /concurrancy/);
    assert.equal(existsSync(output), false);
  });

  test("a plan file: paths relative to it, flags override it, temperatures and seeds vary the runs", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-batch-yaml-"));
    script(dir, "y");
    const plan = join(dir, "plan.yaml");
    writeFileSync(
      plan,
      [
        "tasks: tinyCsv",
        "models: [scripted:y.json]",
        "temperatures: [0, 0.7]",
        "seeds: [11, 12]",
        "policy_version: v3",
        "output: out",
        `tasks_dirs: [${FIXTURE_TASKS}]`,
      ].join("\n"),
    );
    const dry = mlgym(["batch", plan, "--dry-run", "--concurrency", "3"]);
    assert.equal(dry.code, 0, dry.stderr);
    const lines = dry.stdout.split("\n").filter((l) => l.includes("_run_"));
    assert.equal(lines.length, 4);
    assert.ok(
      lines.some((l) => /__t-0\.70__.*_run_1 .*seed 12/.test(l)),
      dry.stdout,
    );
    assert.ok(
      lines.some((l) => /__t-0\.00__.*_run_0 .*seed 11/.test(l)),
      dry.stdout,
    );
    assert.match(dry.stdout, new RegExp(`into ${join(dir, "out")}`));
    assert.match(dry.stdout, /at most 3 at once/);
    // The same plan gives the same keys; a changed policy version gives other ones.
    const again = mlgym(["batch", plan, "--dry-run"]);
    const keys = (s: string) => [...s.matchAll(/key ([0-9a-f]{12})/g)].map((m) => m[1]);
    assert.deepEqual(keys(again.stdout), keys(dry.stdout));
    const other = mlgym(["batch", plan, "--dry-run", "--policy-version", "v4"]);
    assert.notDeepEqual(keys(other.stdout), keys(dry.stdout));
  });
});

describe("mlgym batch within one budget", () => {
  test("concurrent episodes against a loopback server that bills every call end at or under the budget", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-batch-budget-"));
    const output = join(dir, "runs");
    const prices = join(dir, "prices.yaml");
    // 10 USD per million tokens both ways, answers capped at 1000 tokens; every call is billed 0.015 USD.
    writeFileSync(prices, "billed-model: {input: 10, output: 10, maxOutputTokens: 1000}\n");
    const server = await FakeServer.start({
      json: {
        id: "c",
        object: "chat.completion",
        created: 1_700_000_000,
        model: "billed-model",
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: fenced("ls") } }],
        usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
      },
    });
    try {
      const budget = 0.2;
      const r = await mlgymAsync(
        [
          "batch",
          ...[
            "--tasks",
            "tinyPython",
            "--models",
            "openai:billed-model",
            "--runs",
            "8",
            "--concurrency",
            "4",
          ],
          ...["--base-url", `${server.url}/v1`, "--prices", prices, "--budget", String(budget)],
          ...common(output),
        ],
        { env: { OPENAI_API_KEY: "sk-test" } },
      );
      assert.equal(r.code, 0, r.stderr);
      const billed = server.requests.length * 0.015;
      assert.ok(server.requests.length > 0);
      assert.ok(billed <= budget + 1e-9, `billed ${billed} USD of a ${budget} USD budget`);
      // Episodes that ran ended by the budget at the end; the rest never started.
      const folders = runFolders(output);
      assert.ok(folders.length < 8, "the budget stopped the batch before every episode ran");
      const spent = folders.reduce((sum, f) => {
        const traj = readTrajectory(join(output, f, "tinyPython.traj"));
        return sum + traj.info.model_stats.total_cost;
      }, 0);
      assert.ok(Math.abs(spent - billed) < 1e-6, `trajectories count ${spent}, the server billed ${billed}`);
      assert.ok(
        folders.some((f) =>
          readTrajectory(join(output, f, "tinyPython.traj")).info.exit_status.includes("exit_cost"),
        ),
      );
      assert.match(r.stdout, /not started \(the budget is spent\)/);
      assert.match(r.stdout, new RegExp(`spent 0\\.\\d+ of ${budget} USD`));
    } finally {
      await server.close();
    }
  });
});
