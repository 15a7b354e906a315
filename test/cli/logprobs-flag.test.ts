import assert from "node:assert/strict";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readTrajectory } from "../../src/trajectory/read.js";
import { mlgymAsync } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { FakeServer } from "../models/fake-server.js";

// `--logprobs` on `mlgym run` and `mlgym batch`: the request asks a vLLM-style server for token log-probabilities and
// every step of the trajectory records what came back (tokens, log-probabilities, the prompt's and answer's ids).

const fenced = (cmd: string) => `DISCUSSION\nnext\n\`\`\`\n${cmd}\n\`\`\``;

/** A vLLM chat completion with a token record for its answer. */
function vllmAnswer(content: string) {
  return {
    id: "c",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "qwen",
    prompt_token_ids: [101, 7, 102],
    choices: [
      {
        index: 0,
        finish_reason: "stop",
        message: { role: "assistant", content },
        logprobs: {
          content: [
            { token: "ls", logprob: -0.5, top_logprobs: [] },
            { token: "!", logprob: -2, top_logprobs: [] },
          ],
        },
        token_ids: [11, 12],
      },
    ],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  };
}

const EXPECTED = {
  logprobs: [-0.5, -2],
  tokens: ["ls", "!"],
  token_ids: [11, 12],
  prompt_token_ids: [101, 7, 102],
};

async function withServer(body: (server: FakeServer) => Promise<void>): Promise<void> {
  const server = await FakeServer.start(
    { json: vllmAnswer(fenced("ls")) },
    { json: vllmAnswer(fenced("submit")) },
  );
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

const common = (output: string) => [
  ...["--tasks-dir", FIXTURE_TASKS, "--sandbox", "local", "--output", output, "--max-steps", "5"],
];

test("mlgym run --logprobs asks for log-probabilities and records them on every step; without it, none are asked", async () => {
  for (const logprobs of [true, false]) {
    await withServer(async (server) => {
      const output = mkdtempSync(join(tmpdir(), "mlgym-logprobs-"));
      const r = await mlgymAsync([
        "run",
        ...["--task", "tinyPython", "--model", "openai:qwen", "--base-url", `${server.url}/v1`],
        ...(logprobs ? ["--logprobs"] : []),
        ...common(output),
        "--quiet",
        "--json",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(server.requests.length, 2);
      for (const request of server.requests) assert.equal(request.body.logprobs, logprobs ? true : undefined);
      const traj = readTrajectory(JSON.parse(r.stdout.trim()).trajectory);
      assert.equal(traj.trajectory.length, 2);
      for (const step of traj.trajectory) assert.deepEqual(step.logprobs, logprobs ? EXPECTED : undefined);
    });
  }
});

test("mlgym batch --logprobs records them in every episode's trajectory", async () => {
  await withServer(async (server) => {
    const output = mkdtempSync(join(tmpdir(), "mlgym-logprobs-batch-"));
    const r = await mlgymAsync([
      "batch",
      ...["--tasks", "tinyPython", "--models", "openai:qwen", "--base-url", `${server.url}/v1`, "--logprobs"],
      ...common(output),
      "--no-report",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [folder] = readdirSync(output).filter((n) => n.includes("_run_"));
    assert.ok(folder, readdirSync(output).join(", "));
    const traj = readTrajectory(join(output, folder, "tinyPython.traj"));
    assert.ok(traj.trajectory.length >= 2);
    for (const step of traj.trajectory) assert.deepEqual(step.logprobs, EXPECTED);
  });
});
