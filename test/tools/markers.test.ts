import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { markerPattern } from "../../src/tools/markers.js";
import { startToolShell, usableBackends } from "./harness.js";

describe("markerPattern", () => {
  it("matches only the marker of its kind with its nonce", () => {
    const validation = markerPattern("validation", "a.b+c");
    assert.ok(validation.test("x\n<<VALIDATION||a.b+c||VALIDATION>>\ny"));
    assert.ok(!validation.test("<<VALIDATION||aXb+c||VALIDATION>>"));
    assert.ok(!validation.test("<<SUBMISSION||a.b+c||SUBMISSION>>"));
    assert.ok(markerPattern("submission", "n").test("<<SUBMISSION||n||SUBMISSION>>"));
  });
});

describe("printing the tools' source triggers no evaluation", () => {
  const backend = usableBackends().includes("bwrap") ? "bwrap" : "local";
  it(`cat validate.sh and submit.sh (${backend})`, async () => {
    const shell = await startToolShell(backend);
    try {
      await shell.step("__MLGYM_EVAL_NONCE=s3cret");
      const source = await shell.step(
        "cat ~/commands/validate.sh ~/commands/submit.sh; type validate submit",
      );
      assert.match(source, /VALIDATION/);
      assert.ok(!markerPattern("validation", "s3cret").test(source));
      assert.ok(!markerPattern("submission", "s3cret").test(source));
      assert.match(await shell.step("validate"), markerPattern("validation", "s3cret"));
    } finally {
      await shell.close();
    }
  });
});
