// GPUs assigned by the batch runner reach a container as exactly those devices: `--gpus "device=..."` for Docker,
// CDI devices for Podman, renumbered from 0 inside (CUDA_VISIBLE_DEVICES). This machine has no GPU: the engine is a
// wrapper that records its arguments and runs the real docker without the device flags, so the container starts.
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { createContainerSandbox } from "../../src/sandbox/docker.js";
import { backendsUnderTest } from "../helpers/sandboxes.js";

const docker = backendsUnderTest().find((b) => b.name === "docker")!;
const root = mkdtempSync(join(tmpdir(), "mlgym-gpus-"));
after(() => rmSync(root, { recursive: true, force: true }));

const WRAPPER = `#!/bin/bash
{ printf '%s\\n' "$@"; echo ---; } >> "$MLGYM_TEST_ENGINE_LOG"
args=(); skip=0
for a in "$@"; do
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$a" in --gpus|--device) skip=1; continue ;; esac
  args+=("$a")
done
exec docker "\${args[@]}"
`;

/** An engine named `name` (its name picks the GPU style) that logs its arguments; returns its path and log. */
function fakeEngine(name: "docker" | "podman"): { engine: string; log: string } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const engine = join(dir, name);
  writeFileSync(engine, WRAPPER);
  chmodSync(engine, 0o755);
  return { engine, log: join(dir, "log") };
}

/** The `run -d` call of the episode's container, as the list of its arguments. */
function runCall(log: string): string[] {
  const calls = readFileSync(log, "utf8")
    .split("---\n")
    .map((c) => c.split("\n").filter(Boolean));
  const run = calls.find((c) => c[0] === "run" && c[1] === "-d");
  assert.ok(run, "the container was started with `run -d`");
  return run;
}

/** A container sandbox over a fresh home in `root`, through `engine`, with the given GPU devices. */
function startSandbox(engine: string, home: string, devices?: string[]) {
  const homeDir = join(root, home);
  mkdirSync(join(homeDir, "workspace"), { recursive: true });
  return createContainerSandbox(
    {
      homeDir,
      workspaceDir: join(homeDir, "workspace"),
      mounts: [],
      evaluationMounts: [],
      network: false,
      limits: { maxProcesses: 64 },
      env: {},
      path: [],
      ...(devices ? { devices } : {}),
    },
    engine,
  );
}

describe("GPU devices of a container sandbox", { skip: docker.skip }, () => {
  for (const [style, expected] of [
    ["docker", ["--gpus", '"device=1,3"']],
    ["podman", ["--device", "nvidia.com/gpu=1", "--device", "nvidia.com/gpu=3"]],
  ] as const) {
    test(`${style}: devices 1 and 3 are passed as ${expected.join(" ")}, and seen as 0,1 inside`, {
      timeout: 120_000,
    }, async () => {
      const { engine, log } = fakeEngine(style);
      process.env.MLGYM_TEST_ENGINE_LOG = log;
      const box = await startSandbox(engine, `${style}-home`, ["1", "3"]);
      try {
        const r = await box.exec("echo $CUDA_VISIBLE_DEVICES");
        assert.equal(r.stdout, "0,1\n");
      } finally {
        await box.close();
      }
      const run = runCall(log);
      const flags = run.flatMap((a, i) =>
        a === "--gpus" || (a === "--device" && run[i + 1]?.startsWith("nvidia.com/")) ? [a, run[i + 1]!] : [],
      );
      assert.deepEqual(flags, expected);
    });
  }

  test("no devices: no GPU flag at all", { timeout: 120_000 }, async () => {
    const { engine, log } = fakeEngine("docker");
    rmSync(log, { force: true });
    process.env.MLGYM_TEST_ENGINE_LOG = log;
    const box = await startSandbox(engine, "none-home");
    try {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's parameter expansion
      assert.equal((await box.exec("echo ${CUDA_VISIBLE_DEVICES-unset}")).stdout, "unset\n");
    } finally {
      await box.close();
    }
    const run = runCall(log);
    assert.ok(!run.includes("--gpus") && !run.includes("--device"), run.join(" "));
  });
});
