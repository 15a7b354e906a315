import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { createModel, modelBackends } from "../../src/models/registry.js";

function configError(spec: string): ConfigError {
  try {
    createModel(spec, { apiKey: "unused" });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  assert.fail(`expected --model ${spec} to be refused`);
}

describe("createModel: a spec without a known backend", () => {
  const cases: Array<[string, RegExp]> = [
    ["gpt-4o", /'gpt-4o' names no backend; did you mean openai:gpt-4o\?/],
    ["o3-mini", /did you mean openai:o3-mini\?/],
    ["claude-3-5-haiku-latest", /did you mean anthropic:claude-3-5-haiku-latest\?/],
    ["agents/demo/blotto.yaml", /did you mean scripted:agents\/demo\/blotto\.yaml\?/],
    ["runs/x/blotto.traj", /did you mean replay:runs\/x\/blotto\.traj\?/],
    ["openai/gpt-4o", /did you mean openai:gpt-4o\?/],
    ["opnai:gpt-4o-mini", /unknown model backend 'opnai'; did you mean openai:gpt-4o-mini\?/],
    ["antropic:my-model", /did you mean anthropic:my-model\?/],
    ["ollama:llama3.1", /use --model openai:llama3\.1 --base-url/],
    ["mystery:thing", /unknown model backend 'mystery' \(expected/],
  ];
  for (const [spec, message] of cases) {
    it(`${spec} -> ${message.source}`, () => {
      const error = configError(spec);
      assert.equal(error.field, "--model");
      assert.match(error.message, message);
      assert.match(error.message, new RegExp(`backends: ${Object.keys(modelBackends).join(", ")}`));
    });
  }

  it("guesses nothing for a name it cannot place", () => {
    assert.doesNotMatch(configError("llama3").message, /did you mean/);
  });
});
