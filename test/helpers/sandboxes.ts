import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandbox, probeBackend, sandboxBackends } from "../../src/sandbox/registry.js";
import type { Mount, Sandbox, SandboxSpec } from "../../src/sandbox/sandbox.js";

/**
 * Backends required to work here: bwrap under CI or MLGYM_REQUIRE_BWRAP=1; any listed in MLGYM_REQUIRE_SANDBOXES
 * (comma-separated, e.g. `docker`), which CI sets where it set up an engine.
 */
function required(name: string): boolean {
  if (name === "bwrap" && (process.env.MLGYM_REQUIRE_BWRAP === "1" || process.env.CI === "true")) return true;
  return (process.env.MLGYM_REQUIRE_SANDBOXES ?? "")
    .split(",")
    .map((s) => s.trim())
    .includes(name);
}

/**
 * Every registered backend, with the reason one is skipped on this machine (a skip is reported as a skip, never as
 * a pass); a new backend is in every conformance suite by its registry line alone. MLGYM_TEST_SANDBOXES (comma-
 * separated) narrows a run to those backends, e.g. to run the suites on podman alone.
 */
export function backendsUnderTest(): Array<{ name: string; skip: string | false }> {
  const only = (process.env.MLGYM_TEST_SANDBOXES ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return Object.keys(sandboxBackends).map((name) => {
    if (only.length > 0 && !only.includes(name))
      return { name, skip: `backend ${name} left out (MLGYM_TEST_SANDBOXES=${only.join(",")})` };
    const probe = probeBackend(name);
    if (probe?.ok) return { name, skip: false as const };
    if (required(name))
      throw new Error(`sandbox backend '${name}' is required but does not work: ${probe?.reason}`);
    return { name, skip: `backend ${name} unavailable: ${probe?.reason}` };
  });
}

/** The container backends (one engine's CLI each), for the suites of what containers add. */
export function containerBackends(): Array<{ name: string; skip: string | false }> {
  return backendsUnderTest().filter((b) => b.name === "docker" || b.name === "podman");
}

/** The backends that isolate (every one but local), for suites of what only isolation guarantees. */
export function isolatingBackends(): Array<{ name: string; skip: string | false }> {
  return backendsUnderTest().filter((b) => b.name !== "local");
}

/** A throw-away home + workspace on the host and a sandbox over it. */
export interface TempSandbox {
  sandbox: Sandbox;
  root: string;
  homeDir: string;
  workspaceDir: string;
  dispose(): Promise<void>;
}

export async function tempSandbox(
  backend: string,
  extra: {
    mounts?: Mount[];
    evaluationMounts?: Mount[];
    limits?: SandboxSpec["limits"];
    network?: boolean;
    path?: string[];
  } = {},
): Promise<TempSandbox> {
  const root = mkdtempSync(join(tmpdir(), "mlgym-test-"));
  const homeDir = join(root, "home");
  const workspaceDir = join(homeDir, "workspace");
  mkdirSync(workspaceDir, { recursive: true });
  const sandbox = await createSandbox(backend, {
    homeDir,
    workspaceDir,
    mounts: extra.mounts ?? [],
    evaluationMounts: extra.evaluationMounts ?? [],
    network: extra.network ?? false,
    limits: extra.limits ?? { maxProcesses: 256 },
    env: {},
    path: extra.path ?? [],
  });
  return {
    sandbox,
    root,
    homeDir,
    workspaceDir,
    async dispose() {
      await sandbox.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
