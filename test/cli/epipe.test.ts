import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
const ENTRY = join(ROOT, "src", "cli", "entry.ts");

/** Runs `mlgym <args>` with its stdout a pipe whose reader is already gone: every write meets EPIPE. */
function withClosedReader(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", ENTRY, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

/** `mlgym <args> | head -1` through a real shell pipe: mlgym's own exit code, and what head printed. */
function throughHead(args: string[]): { code: string; stdout: string; stderr: string } {
  const quoted = [process.execPath, "--import", "tsx", ENTRY, ...args].map((a) => `'${a}'`).join(" ");
  const r = spawnSync("bash", ["-c", `${quoted} | head -1; echo "mlgym exit \${PIPESTATUS[0]}" >&2`], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  const code = /mlgym exit (\d+)/.exec(r.stderr)?.[1] ?? "none";
  return { code, stdout: r.stdout, stderr: r.stderr.replace(/mlgym exit \d+\n?/, "") };
}

describe("a closed pipe on stdout ends mlgym quietly with code 0", () => {
  let runs = "";
  before(async () => {
    runs = await mkdtemp(join(tmpdir(), "mlgym-epipe-"));
    for (const model of ["m1", "m2"]) {
      const dir = join(
        runs,
        `${model}__blotto__default__t-0.00__p-0.95__c-4.00__install-0__parallel_agents_run_0`,
      );
      await mkdir(dir, { recursive: true });
      const score = model === "m1" ? 0.1 : 0.2;
      await writeFile(
        join(dir, "results.json"),
        JSON.stringify({ agent: [{ Score: score }], baseline: { Score: -0.24797001481056213 } }),
      );
    }
  });

  for (const command of [["tasks"], ["--help"], ["report", "<runs>"]]) {
    it(`mlgym ${command.join(" ")} into a reader that is gone`, async () => {
      const args = command.map((a) => (a === "<runs>" ? runs : a));
      if (args[0] === "report") args.push("--out", join(runs, "out-closed"));
      const { code, stderr } = await withClosedReader(args);
      assert.doesNotMatch(stderr, /EPIPE|Unhandled|unexpected error/);
      assert.equal(code, 0, stderr);
    });
  }

  it("mlgym tasks | head -1", () => {
    const r = throughHead(["tasks"]);
    assert.equal(r.code, "0", r.stderr);
    assert.equal(r.stdout.split("\n").filter(Boolean).length, 1);
    assert.doesNotMatch(r.stderr, /EPIPE/);
  });

  it("mlgym report <dir> | head -1", () => {
    const r = throughHead(["report", runs, "--out", join(runs, "out-head")]);
    assert.equal(r.code, "0", r.stderr);
    assert.equal(r.stdout.split("\n").filter(Boolean).length, 1);
    assert.doesNotMatch(r.stderr, /EPIPE/);
  });
});
