import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { mlgymAsync } from "../helpers/cli.js";
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
  const r = await mlgymAsync(["run", "--output", output], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no --model given and no API key set: running the scripted demonstration agent/);
  assert.match(r.stderr, /\[step 1\/50\] \$ ls/);
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
