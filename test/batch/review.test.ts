import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { mlgym, mlgymAsync } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { FakeServer } from "../models/fake-server.js";

// Adversarial cases of `mlgym batch`: two batches on one output, a budget across restarts, a rejected API key, an
// unpriced model under a cost limit, keys that must not depend on where the command was started, and the summary
// of a resumed batch.

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const fenced = (cmd: string) => `DISCUSSION\nnext\n\`\`\`\n${cmd}\n\`\`\``;

function script(dir: string, name: string, pauseS = 0): string {
  const file = join(dir, `${name}.json`);
  const pause = pauseS > 0 ? `; sleep ${pauseS}` : "";
  writeFileSync(
    file,
    JSON.stringify([fenced(`python3 baseline.py >/dev/null 2>&1${pause}`), fenced("submit")]),
  );
  return `scripted:${file}`;
}

const runFolders = (output: string) =>
  existsSync(output)
    ? readdirSync(output)
        .filter((n) => n.includes("_run_"))
        .sort()
    : [];

const common = (output: string) => [
  ...["--tasks-dir", FIXTURE_TASKS, "--sandbox", "local", "--output", output, "--max-steps", "5"],
];

const completion = (content: string) => ({
  id: "c",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "billed-model",
  choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
  usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
});

describe("mlgym batch under adversarial conditions", () => {
  test("a second batch on the same output is refused while the first runs; a lock of a dead process is taken over", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-review-lock-"));
    const output = join(dir, "runs");
    const args = ["--tasks", "tinyCsv", "--models", script(dir, "slow", 3), "--runs", "2", ...common(output)];
    const first = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src", "cli", "entry.ts"), "batch", ...args],
      {
        cwd: ROOT,
      },
    );
    let stderr = "";
    first.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => first.on("close", (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while (!stderr.includes("started ")) {
      assert.ok(Date.now() < deadline, `the first batch did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // The same plan at once: without a lock it would run the same episodes again, on a budget of its own.
    const second = await mlgymAsync(["batch", ...args]);
    assert.equal(second.code, 2, `${second.stdout}\n${second.stderr}`);
    assert.match(second.stderr, /another mlgym batch/);
    assert.match(second.stderr, new RegExp(`pid ${first.pid}`));
    assert.equal(await exited, 0, stderr);
    assert.equal(runFolders(output).length, 2);
    assert.doesNotMatch(stderr, /already exists/);

    // A lock left by a process that is gone (SIGKILL) does not hold the output forever.
    const dead = spawnSync("true").pid;
    writeFileSync(
      join(output, ".mlgym-batch", "lock"),
      JSON.stringify({ host: hostname(), pid: dead, started: "earlier" }),
    );
    const resumed = mlgym(["batch", ...args, "--runs", "3"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(runFolders(output).length, 3);
    assert.equal(existsSync(join(output, ".mlgym-batch", "lock")), false, "the lock is released at the end");
  });

  test("the budget of a local batch holds across restarts: a restart does not get a fresh budget", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-review-budget-"));
    const output = join(dir, "runs");
    const prices = join(dir, "prices.yaml");
    // Every call is billed 0.015 USD (1000 + 500 tokens at 10 USD per million).
    writeFileSync(prices, "billed-model: {input: 10, output: 10, maxOutputTokens: 1000}\n");
    const server = await FakeServer.start({ json: completion(fenced("ls")) });
    const budget = 0.1;
    try {
      const args = [
        ...["batch", "--tasks", "tinyPython", "--models", "openai:billed-model", "--runs", "4"],
        ...[
          "--concurrency",
          "2",
          "--base-url",
          `${server.url}/v1`,
          "--prices",
          prices,
          "--budget",
          String(budget),
        ],
        ...common(output),
      ];
      const env = { OPENAI_API_KEY: "sk-test" };
      const first = await mlgymAsync(args, { env });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /the budget is spent/);
      const calls = server.requests.length;
      assert.ok(calls > 0 && calls * 0.015 <= budget + 1e-9);

      const again = await mlgymAsync(args, { env });
      assert.equal(again.code, 0, again.stderr);
      const billed = server.requests.length * 0.015;
      assert.ok(
        billed <= budget + 1e-9,
        `two starts of one batch billed ${billed} USD of a ${budget} USD budget`,
      );
      assert.equal(server.requests.length, calls, "no call once the budget is spent");
      assert.match(again.stdout, /not started \(the budget is spent\)/);
      assert.match(again.stdout, /spent 0\.\d+ of 0\.1 USD/);
      assert.doesNotMatch(again.stdout, /spent 0\.0000/);

      // A raised budget lets the batch go on, from what was spent.
      const raised = await mlgymAsync([...args, "--budget", "0.2"], { env });
      assert.equal(raised.code, 0, raised.stderr);
      assert.ok(server.requests.length > calls);
      assert.ok(server.requests.length * 0.015 <= 0.2 + 1e-9);
    } finally {
      await server.close();
    }
  });

  test("a rejected API key (401) is not retried: every attempt would fail the same way", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-review-auth-"));
    const output = join(dir, "runs");
    const server = await FakeServer.start({
      status: 401,
      json: { error: { message: "Incorrect API key provided", type: "invalid_request_error" } },
    });
    try {
      const r = await mlgymAsync(
        [
          ...[
            "batch",
            "--tasks",
            "tinyCsv",
            "--models",
            "openai:gpt-4o-mini",
            "--base-url",
            `${server.url}/v1`,
          ],
          ...["--retries", "2", "--retry-delay", "50"],
          ...common(output),
        ],
        { env: { OPENAI_API_KEY: "sk-wrong" } },
      );
      assert.equal(r.code, 3, r.stderr);
      assert.doesNotMatch(r.stderr, /retry +openai/);
      assert.match(r.stderr, /FAILED +openai-gpt-4o-mini__tinyCsv__.*api_auth/);
      assert.equal(readdirSync(join(output, ".attempts")).length, 1, "one attempt only");
      assert.match(r.stdout, /1 failed for infrastructure/);
    } finally {
      await server.close();
    }
  });

  test("an unpriced model under --cost-limit is refused before any episode starts", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-review-unpriced-"));
    const output = join(dir, "runs");
    const r = mlgym(
      [
        ...["batch", "--tasks", "tinyCsv", "--models", "openai:no-such-model-7", "--runs", "3"],
        ...["--cost-limit", "1", "--base-url", "http://127.0.0.1:9/v1"],
        ...common(output),
      ],
      { env: { OPENAI_API_KEY: "sk-test" } },
    );
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /no price is known for openai:no-such-model-7/);
    assert.match(r.stderr, /--cost-limit/);
    assert.equal(existsSync(join(output, ".attempts")), false, "no episode was started");
  });

  test("episode keys do not depend on where the command runs or how the script's path is spelled", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-review-keys-"));
    const other = join(dir, "elsewhere");
    mkdirSync(other);
    script(dir, "k");
    writeFileSync(join(other, "k.json"), readFileSync(join(dir, "k.json")));
    const keys = (cwd: string, model: string) => {
      // (tsx by its full address: the helper's `--import tsx` resolves from the working folder.)
      const r = spawnSync(
        process.execPath,
        [
          ...["--import", import.meta.resolve("tsx"), join(ROOT, "src", "cli", "entry.ts"), "batch"],
          ...[
            "--tasks",
            "tinyCsv",
            "--models",
            model,
            "--runs",
            "2",
            "--dry-run",
            ...common(join(dir, "runs")),
          ],
        ],
        { cwd, encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      return [...r.stdout.matchAll(/key ([0-9a-f]{12})/g)].map((m) => m[1]);
    };
    const relative = keys(dir, "scripted:k.json");
    assert.equal(relative.length, 2);
    assert.deepEqual(keys(ROOT, `scripted:${join(dir, "k.json")}`), relative);
    // The same plan on another machine (the checkout elsewhere) resumes rather than calling its folders foreign.
    assert.deepEqual(keys(other, "scripted:k.json"), relative);
  });

  test("the summary of a resumed batch counts the scores and costs of the episodes completed before", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlgym-review-summary-"));
    const output = join(dir, "runs");
    const args = [
      "batch",
      "--tasks",
      "tinyCsv",
      "--models",
      script(dir, "s"),
      "--runs",
      "2",
      ...common(output),
    ];
    const first = await mlgymAsync(args);
    assert.equal(first.code, 0, first.stderr);
    const row = (stdout: string) => stdout.split("\n").find((l) => l.startsWith("scripted-s  tinyCsv"));
    const before = row(first.stdout);
    assert.ok(before, first.stdout);
    assert.doesNotMatch(before, / - /, "the first start has a mean best score");
    const again = await mlgymAsync(args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /2\/2 episodes complete \(2 from before\)/);
    assert.equal(row(again.stdout), before, "a resumed batch's table is the whole batch's");
  });
});
