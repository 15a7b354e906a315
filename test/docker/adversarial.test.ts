// The adversarial suites (test/integrity/) on the container backends: the same files, run with
// MLGYM_ATTACK_SANDBOX=docker (or podman) in a child test runner, must pass every test and skip none.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { containerBackends } from "../helpers/sandboxes.js";

const ROOT = join(import.meta.dirname, "../..");
const FILES = ["test/integrity/evaluation-attacks.test.ts", "test/integrity/seed-prediction.test.ts"];

for (const engine of containerBackends())
  test(`the evaluation attacks and seed prediction fail in ${engine.name} containers too`, {
    skip: engine.skip,
    timeout: 900_000,
  }, async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-reporter=tap", ...FILES], {
      cwd: ROOT,
      // Without the variable that marks a child of the test runner, which would then run no file.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, MLGYM_ATTACK_SANDBOX: engine.name },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const count = (what: string) => Number(new RegExp(`^# ${what} (\\d+)$`, "m").exec(out)?.[1] ?? -1);
    assert.equal(code, 0, out.slice(-4000));
    assert.equal(count("fail"), 0, out.slice(-4000));
    assert.equal(count("skipped"), 0, `an attack was skipped on ${engine.name}`);
    assert.ok(count("pass") >= 10, `only ${count("pass")} attacks ran`);
  });
