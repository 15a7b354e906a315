// No container outlives its run: a run that exits without closing its sandbox removes it on exit, and one that is
// killed leaves an orphan that `mlgym doctor --clean` (removeOrphans) finds by its labels and removes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { listContainers } from "../../src/sandbox/container-engine.js";
import { mlgymAsync } from "../helpers/cli.js";
import { containerBackends } from "../helpers/sandboxes.js";

const root = mkdtempSync(join(tmpdir(), "mlgym-orphans-"));
const registry = join(import.meta.dirname, "../../src/sandbox/registry.ts");

/** Starts a runner that creates a container sandbox with a busy shell, prints its container's name, then `then`s. */
function runner(
  backend: string,
  then: "wait" | "exit",
): {
  pid: number;
  name: Promise<string>;
  exited: Promise<number | null>;
} {
  const script = `
    import { createSandbox } from ${JSON.stringify(registry)};
    import { mkdirSync } from "node:fs";
    const home = ${JSON.stringify(root)} + "/" + process.pid;
    mkdirSync(home + "/workspace", { recursive: true });
    const box = await createSandbox(${JSON.stringify(backend)}, { homeDir: home, workspaceDir: home + "/workspace", mounts: [],
      evaluationMounts: [], network: false, limits: { maxProcesses: 64 }, env: {}, path: [] });
    const shell = box.spawnShell();
    shell.write("sleep 300 &\\n");
    console.log(box.name);
    ${then === "wait" ? "setInterval(() => {}, 1000);" : "setTimeout(() => process.exit(0), 500);"}
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const name = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    child.on("exit", (code) => reject(new Error(`runner exited (${code}) before its sandbox was up`)));
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { pid: child.pid!, name, exited };
}

after(() => rmSync(root, { recursive: true, force: true }));

for (const engine of containerBackends())
  describe(`${engine.name} containers of killed and exited runs`, { skip: engine.skip }, () => {
    test("a run that exits without closing its sandbox removes its container", {
      timeout: 120_000,
    }, async () => {
      const run = runner(engine.name, "exit");
      const name = await run.name;
      assert.equal(await run.exited, 0);
      assert.equal((await listContainers(engine.name)).filter((c) => c.name === name).length, 0);
    });

    test("a killed run's container is an orphan that doctor --clean removes", {
      timeout: 120_000,
    }, async () => {
      const run = runner(engine.name, "wait");
      const name = await run.name;
      process.kill(run.pid, "SIGKILL");
      await run.exited;
      const left = (await listContainers(engine.name)).filter((c) => c.name === name);
      assert.equal(left.length, 1, "the killed run's container should still exist");
      assert.equal(left[0]!.orphan, true);
      assert.equal(left[0]!.pid, run.pid);
      const cli = await mlgymAsync(["doctor", "--clean"]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.match(
        cli.stdout,
        new RegExp(`${engine.name}: removed \\d+ orphaned container\\(s\\): .*${name}`),
      );
      assert.equal((await listContainers(engine.name)).filter((c) => c.name === name).length, 0);
    });
  });
