import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defaultAgentConfigFile, loadAgentConfig, toolsetOptions } from "../../src/agent/config.js";
import { MLGymEnv } from "../../src/env/env.js";
import { ConfigError } from "../../src/errors.js";
import { loadTask } from "../../src/tasks/registry.js";
import { ORIGINAL_SHELL_ALIASES } from "../../src/tools/install-script.js";
import { loadToolset } from "../../src/tools/toolset.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

/** An environment of the tiny CSV task on the local sandbox, with the tools an agent config asks for. */
function envFor(agentConfigFile: string): MLGymEnv {
  const config = loadAgentConfig(agentConfigFile);
  return new MLGymEnv(loadTask("tinyCsv", [FIXTURE_TASKS]), {
    toolset: loadToolset(toolsetOptions(config)),
    sandbox: "local",
    maxSteps: 10,
  });
}

/** The default agent config with its `shell_aliases` block replaced by `replacement`. */
function agentConfigWith(replacement: string): string {
  const text = readFileSync(defaultAgentConfigFile(), "utf8");
  const block = /\n {2}shell_aliases:\n(?: {4}.*\n)+/;
  assert.match(text, block, "the default agent config spells its aliases out");
  const file = join(mkdtempSync(join(tmpdir(), "mlgym-agent-")), "agent.yaml");
  writeFileSync(file, text.replace(block, `\n${replacement}`));
  return file;
}

test("agent configs default to the original shell's aliases, with or without the field", () => {
  assert.deepEqual(loadAgentConfig().tools.shell_aliases, ORIGINAL_SHELL_ALIASES);
  assert.deepEqual(loadAgentConfig(agentConfigWith("")).tools.shell_aliases, ORIGINAL_SHELL_ALIASES);
  assert.deepEqual(loadAgentConfig(agentConfigWith("  shell_aliases: {}\n")).tools.shell_aliases, {});
  assert.throws(
    () => loadAgentConfig(agentConfigWith("  shell_aliases:\n    'rm -rf': echo\n")),
    (e: unknown) =>
      e instanceof ConfigError && /tools\.shell_aliases/.test(e.message) && /alias name/.test(e.message),
  );
});

test("with the default agent config `ls` marks folders with / as in the original's recorded runs; {} turns it off", async () => {
  const env = envFor(defaultAgentConfigFile());
  try {
    await env.reset({ seed: 1 });
    assert.equal((await env.step("ls")).observation, "baseline.py\ndata/\nevaluate.py");
    assert.equal((await env.step("ls data")).observation, "test.csv\ntrain.csv");
    // `ll` is the original's `ls -alF`: a long listing with the same markers.
    assert.match((await env.step("ll")).observation, /^d.* data\/$/m);
    // A script (`python -c ...`) that runs `ls` itself gets no alias: only the agent's own shell has them.
    const child = await env.step(`bash -c 'ls'`);
    assert.equal(child.observation, "baseline.py\ndata\nevaluate.py");
  } finally {
    await env.close();
  }
  const plain = envFor(agentConfigWith("  shell_aliases: {}\n"));
  try {
    await plain.reset({ seed: 1 });
    assert.equal((await plain.step("ls")).observation, "baseline.py\ndata\nevaluate.py");
  } finally {
    await plain.close();
  }
});

test("code written for the original's scikit-learn runs: mean_squared_error(squared=False) with its FutureWarning", async () => {
  const env = envFor(defaultAgentConfigFile());
  try {
    await env.reset({ seed: 1 });
    await env.step(
      [
        "cat > rmse.py <<'PY'",
        "from sklearn.metrics import mean_squared_error",
        "print('rmse', mean_squared_error([1.0, 2.0], [1.0, 4.0], squared=False))",
        "print('mse', mean_squared_error([1.0, 2.0], [1.0, 4.0]))",
        "PY",
      ].join("\n"),
    );
    const run = await env.step("python rmse.py");
    assert.equal(run.info.exitCode, 0, run.observation);
    assert.match(run.observation, /^rmse 1\.414213562373095\d$/m);
    assert.match(run.observation, /^mse 2\.0$/m);
    assert.match(
      run.observation,
      /FutureWarning: 'squared' is deprecated in version 1\.4 and will be removed in 1\.6\. To calculate the root mean squared error, use the function'root_mean_squared_error'\./,
    );
  } finally {
    await env.close();
  }
});
