import assert from "node:assert/strict";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { mlgymAsync } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { FakeServer } from "../models/fake-server.js";

function completion(content: string) {
  return {
    id: "chatcmpl-run",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o-mini",
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
    usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 },
  };
}

test("mlgym run with an OpenAI-compatible endpoint completes an episode on a real task and writes both files", async () => {
  const demo = parse(readFileSync("agents/demo/battleOfSexes.yaml", "utf8")) as string[];
  const server = await FakeServer.start(...demo.map((content) => ({ json: completion(content) })));
  const output = mkdtempSync(join(tmpdir(), "mlgym-runs-"));
  try {
    const r = await mlgymAsync([
      "run",
      "--task",
      "battleOfSexes",
      "--model",
      "openai:gpt-4o-mini",
      "--base-url",
      `${server.url}/v1`,
      "--output",
      output,
      "--cost-limit",
      "1",
      "--quiet",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout.trim()) as { exitStatus: string; score: { Score: number } };
    assert.equal(summary.exitStatus, "submitted");
    assert.ok(Math.abs(summary.score.Score - 1.44) < 0.03, `score ${summary.score.Score}`);
    const [runDir] = readdirSync(output);
    assert.match(
      String(runDir),
      /^openai-gpt-4o-mini__battleOfSexes__default__t-0\.00__p-0\.95__c-1\.00__install-0_run_0$/,
    );
    const traj = JSON.parse(readFileSync(join(output, runDir!, "battleOfSexes.traj"), "utf8"));
    assert.equal(traj.info.exit_status, "submitted");
    assert.equal(traj.info.model_stats.api_calls, demo.length);
    assert.equal(traj.info.model_stats.tokens_sent, 1000 * demo.length);
    assert.ok(traj.info.model_stats.total_cost > 0, "cost from the price table");
    const results = JSON.parse(readFileSync(join(output, runDir!, "results.json"), "utf8"));
    assert.equal(results.agent.length, 2);
    assert.ok(Math.abs(results.baseline.Score - 1.0227) < 0.001);
    assert.equal(server.requests[0]?.path, "/v1/chat/completions");
    assert.equal((server.requests[0]!.body.messages as Array<{ role: string }>)[0]?.role, "system");
    assert.ok(existsSync(join(output, runDir!, "args.json")));
  } finally {
    await server.close();
  }
});

test("mlgym run without a model or key runs the scripted demonstration agent and says so", async () => {
  const output = mkdtempSync(join(tmpdir(), "mlgym-runs-"));
  const env = { ...process.env, OPENAI_API_KEY: "", ANTHROPIC_API_KEY: "" };
  const r = await mlgymAsync(["run", "--output", output, "--json"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no --model given and no API key set: running the scripted demonstration agent/);
  assert.match(r.stderr, /\[step 1\/50 · \d+ s · best Score - \(baseline 1\.02\d*\) · \$0\.0000\] \$ ls/);
  assert.equal(JSON.parse(r.stdout.trim()).exitStatus, "submitted");
});

test("--prices extends the price table; a bad price file is a clear error", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-prices-"));
  const prices = join(dir, "prices.yaml");
  writeFileSync(prices, "my-local-model: {input: 1, output: 2}\n");
  const server = await FakeServer.start({ json: completion("DISCUSSION\ndone\n```\nsubmit\n```") });
  try {
    const r = await mlgymAsync([
      "run",
      "--model",
      "openai:my-local-model",
      "--base-url",
      `${server.url}/v1`,
      "--prices",
      prices,
      "--output",
      dir,
      "--quiet",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const traj = JSON.parse(readFileSync(JSON.parse(r.stdout.trim()).trajectory, "utf8"));
    assert.ok(Math.abs(traj.info.model_stats.total_cost - (1000 * 1 + 100 * 2) / 1e6) < 1e-12);
  } finally {
    await server.close();
  }
  writeFileSync(prices, "my-local-model: {input: cheap}\n");
  const bad = await mlgymAsync([
    "run",
    "--model",
    "openai:x",
    "--base-url",
    "http://127.0.0.1:9/v1",
    "--prices",
    prices,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /prices\.yaml: my-local-model\.input: /);
});

test("--cost-limit with a model without a price is exit 2 naming --prices, unless --allow-unpriced (warned)", async () => {
  const output = mkdtempSync(join(tmpdir(), "mlgym-runs-"));
  const server = await FakeServer.start({ json: completion("DISCUSSION\ndone\n```\nsubmit\n```") });
  const args = [
    "run",
    "--model",
    "openai:my-local-model",
    "--base-url",
    `${server.url}/v1`,
    "--output",
    output,
  ];
  try {
    const refused = await mlgymAsync([...args, "--cost-limit", "1", "--quiet"]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /--model: no price is known for openai:my-local-model.*--prices FILE.*--allow-unpriced/,
    );
    assert.equal(server.requests.length, 0);

    const allowed = await mlgymAsync([...args, "--cost-limit", "1", "--allow-unpriced", "--quiet", "--json"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /mlgym: WARNING: no price is known for openai:my-local-model/);
    const traj = JSON.parse(readFileSync(JSON.parse(allowed.stdout.trim()).trajectory, "utf8"));
    assert.equal(traj.info.cost_unknown, true);
  } finally {
    await server.close();
  }
});

test("a provider reporting huge usage stops mlgym run after one call with exit_cost, the cost recorded", async () => {
  const output = mkdtempSync(join(tmpdir(), "mlgym-runs-"));
  const huge = completion("DISCUSSION\nlook\n```\nls\n```");
  huge.usage = { prompt_tokens: 10_000_000, completion_tokens: 20_000_000, total_tokens: 30_000_000 };
  const server = await FakeServer.start({ json: huge });
  try {
    const r = await mlgymAsync([
      "run",
      "--task",
      "battleOfSexes",
      "--model",
      "openai:gpt-4o-mini",
      "--base-url",
      `${server.url}/v1`,
      "--cost-limit",
      "0.5",
      "--output",
      output,
      "--quiet",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout.trim()).exitStatus, "autosubmission (exit_cost)");
    assert.equal(server.requests.length, 1);
    assert.equal(typeof server.requests[0]!.body.max_tokens, "number");
    const traj = JSON.parse(readFileSync(JSON.parse(r.stdout.trim()).trajectory, "utf8"));
    assert.ok(Math.abs(traj.info.model_stats.total_cost - 13.5) < 1e-9);
    assert.equal(traj.info.cost_overrun.reported_usd, 13.5);
  } finally {
    await server.close();
  }
});

test("an MLGym checkout's tasks run with --tasks-dir <checkout>/configs/tasks --data-root <checkout>", async () => {
  const root = mkdtempSync(join(tmpdir(), "mlgym-checkout-"));
  mkdirSync(join(root, "configs", "tasks"), { recursive: true });
  cpSync(join(FIXTURE_TASKS, "tinyPython", "starter"), join(root, "data", "tinyOrig"), { recursive: true });
  const yaml = readFileSync(join(FIXTURE_TASKS, "tinyPython", "task.yaml"), "utf8")
    .replace("id: tinyPython", "id: tinyOrig")
    .replaceAll("starter/", "data/tinyOrig/");
  writeFileSync(join(root, "configs", "tasks", "tinyOrig.yaml"), yaml);
  const answers = join(root, "answers.json");
  writeFileSync(answers, JSON.stringify(["DISCUSSION\ndone\n```\nsubmit\n```"]));
  const args = ["run", "--task", "tinyOrig", "--tasks-dir", join(root, "configs", "tasks")];
  const rest = ["--model", `scripted:${answers}`, "--output", join(root, "runs"), "--quiet", "--json"];
  const env = { MLGYM_DATA_ROOT: "" };
  const confined = await mlgymAsync([...args, ...rest], { env });
  assert.equal(confined.code, 2);
  assert.match(
    confined.stderr,
    /tinyOrig\.yaml: starter_code\.0: path 'data\/tinyOrig\/strategy\.py' is found only at/,
  );
  const r = await mlgymAsync([...args, "--data-root", root, ...rest], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim()).exitStatus, "submitted");

  // The other commands that make an environment take the root the same way.
  const where = ["--tasks-dir", join(root, "configs", "tasks"), "--data-root", root];
  const baseline = await mlgymAsync(["baseline", "tinyOrig", ...where, "--json"], { env });
  assert.equal(baseline.code, 0, baseline.stderr);
  assert.deepEqual(JSON.parse(baseline.stdout.trim()).metrics, { Score: 7 });
  const actions = join(root, "actions.json");
  writeFileSync(actions, JSON.stringify(["validate"]));
  const exec = await mlgymAsync(["exec", "--task", "tinyOrig", ...where, actions], { env });
  assert.equal(exec.code, 0, exec.stderr);
  assert.deepEqual(JSON.parse(exec.stdout.trim()).metrics, { Score: 7 });
  const confinedExec = await mlgymAsync(["exec", "--task", "tinyOrig", "--tasks-dir", where[1]!, actions], {
    env,
  });
  assert.equal(confinedExec.code, 2);
});
