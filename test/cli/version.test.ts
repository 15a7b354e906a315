import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { mlgym } from "../helpers/cli.js";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

describe("mlgym --version", () => {
  for (const flag of ["--version", "-V"]) {
    it(`${flag} prints package.json's version (from source)`, () => {
      const r = mlgym([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), VERSION);
    });
  }

  it("prints it from the built dist too", {
    skip: !existsSync(join(ROOT, "dist", "cli", "entry.js")),
  }, () => {
    const r = spawnSync(process.execPath, [join(ROOT, "bin", "mlgym.js"), "--version"], {
      cwd: "/",
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), VERSION);
  });
});
