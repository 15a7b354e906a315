import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../../src/errors.js";
import { chooseModel } from "../../src/run/choose-model.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const KEYS = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"] as const;

describe("chooseModel without --model or an API key", () => {
  const saved: Record<string, string | undefined> = {};
  before(() => {
    for (const key of KEYS) {
      saved[key] = process.env[key];
      delete process.env[key];
    }
  });
  after(() => {
    for (const key of KEYS) if (saved[key] !== undefined) process.env[key] = saved[key];
  });

  for (const task of readdirSync(join(ROOT, "tasks"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)) {
    it(`finds the scripted demonstration of ${task}`, () => {
      const { model, note } = chooseModel(undefined, {}, task);
      assert.equal(model.id, `scripted:${task}`);
      assert.match(note ?? "", /scripted demonstration agent/);
    });
  }

  it("says what to pass for a task without a demonstration", () => {
    assert.throws(
      () => chooseModel(undefined, {}, "myOwnTask"),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.field === "--model" &&
        /task 'myOwnTask' has no scripted demonstration/.test(error.message) &&
        /pass --model <backend>:<name>/.test(error.message),
    );
  });

  it("suggests the backend of a bare model name given as --model", () => {
    assert.throws(
      () => chooseModel("gpt-4o", {}, "blotto"),
      (error: unknown) => error instanceof ConfigError && /did you mean openai:gpt-4o\?/.test(error.message),
    );
  });
});
