import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runAgent } from "../../src/agent/agent.js";
import { loadAgentConfig } from "../../src/agent/config.js";
import { make } from "../../src/env/make.js";
import { OpenAIModel } from "../../src/models/openai.js";
import { readResults, readTrajectory } from "../../src/trajectory/read.js";
import { mlgymAsync } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { FakeServer } from "../models/fake-server.js";

const providerError = (message: string, type: string) => ({ error: { message, type, code: type } });

for (const [status, kind, body] of [
  [401, "api_auth", providerError("Incorrect API key provided", "invalid_api_key")],
  [404, "model_not_found", providerError("The model `nope` does not exist", "model_not_found")],
] as const) {
  test(`a provider answering ${status} is an infrastructure failure: printed at once, recorded, exit code 3`, async () => {
    const server = await FakeServer.start({ status, json: body });
    const output = mkdtempSync(join(tmpdir(), "mlgym-infra-"));
    try {
      const r = await mlgymAsync(
        [
          "run",
          ...["--task", "tinyPython", "--tasks-dir", FIXTURE_TASKS],
          ...["--model", "openai:gpt-4o-mini", "--base-url", `${server.url}/v1`, "--output", output],
        ],
        { env: { OPENAI_API_KEY: "sk-test" } },
      );
      assert.equal(r.code, 3, r.stderr);
      const line = new RegExp(`mlgym: infrastructure failure \\(${kind}\\) at step 1: .*${status}`);
      assert.match(r.stderr, line);
      // Printed as it happens: before the episode's last step is shown, not only in the final summary.
      assert.ok(r.stderr.search(line) < r.stderr.indexOf("$ exit_api"), r.stderr);
      assert.match(r.stdout, /exit status +autosubmission \(exit_api\)/);
      assert.match(r.stdout, new RegExp(`failure +infrastructure \\(${kind}\\) at step 1`));
      const [runDir] = readdirSync(output);
      const traj = readTrajectory(join(output, runDir!, "tinyPython.traj"));
      assert.equal(traj.info.exit_status, "autosubmission (exit_api)");
      assert.equal(traj.info.infrastructure_error?.kind, kind);
      assert.equal(traj.info.infrastructure_error?.step, 1);
      const results = readResults(join(output, runDir!, "results.json"));
      assert.deepEqual(results.infrastructure_error, traj.info.infrastructure_error);
      assert.deepEqual(results.agent, [{ Score: 7 }], "the autosubmission still evaluated the workspace");
    } finally {
      await server.close();
    }
  });
}

test("an unreachable provider (closed port) is recorded as api_unreachable", async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const model = new OpenAIModel("gpt-4o-mini", {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey: "sk-test",
    retry: { maxRetries: 1, delayScale: 0 },
  });
  const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS] });
  const outputDir = mkdtempSync(join(tmpdir(), "mlgym-infra-"));
  const seen: string[] = [];
  try {
    const result = await runAgent({
      env,
      model,
      config: loadAgentConfig(),
      outputDir,
      onEvent: (e) => {
        if (e.kind === "infrastructure") seen.push(e.failure.kind);
      },
    });
    assert.equal(result.exitStatus, "autosubmission (exit_api)");
    assert.equal(result.infrastructureError?.kind, "api_unreachable");
    assert.match(result.infrastructureError!.message, /ECONNREFUSED/);
    assert.deepEqual(seen, ["api_unreachable"]);
    const results = JSON.parse(readFileSync(result.resultsFile, "utf8"));
    assert.equal(results.infrastructure_error.kind, "api_unreachable");
  } finally {
    await env.close();
  }
});

test("a sandbox that cannot start is recorded with step 0, early_exit, and both files readable", async () => {
  // A process limit of one leaves the sandbox's shell unable to run its setup: the sandbox never becomes usable.
  const env = make("tinyPython", { tasksDirs: [FIXTURE_TASKS], limits: { maxProcesses: 1 } });
  const outputDir = mkdtempSync(join(tmpdir(), "mlgym-infra-"));
  try {
    const result = await runAgent({
      env,
      model: new OpenAIModel("x", { apiKey: "k" }),
      config: loadAgentConfig(),
      outputDir,
    });
    assert.equal(result.exitStatus, "early_exit");
    assert.equal(result.infrastructureError?.kind, "sandbox");
    assert.equal(result.infrastructureError?.step, 0);
    assert.equal(readTrajectory(result.trajectoryFile).info.infrastructure_error?.kind, "sandbox");
    assert.equal(readResults(result.resultsFile).infrastructure_error?.kind, "sandbox");
  } finally {
    await env.close();
  }
});
