import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSandbox, probeBackends } from "../../src/sandbox/registry.js";
import type { Mount, Sandbox, SandboxSpec } from "../../src/sandbox/sandbox.js";

/** Backends to run conformance suites against, with the reason a backend is skipped on this machine. */
export function backendsUnderTest(): Array<{ name: string; skip: string | false }> {
  const probes = probeBackends();
  return ["local", "bwrap"].map((name) => {
    const probe = probes[name];
    if (probe?.ok) return { name, skip: false as const };
    if (process.env.MLGYM_REQUIRE_BWRAP === "1" || process.env.CI === "true") {
      throw new Error(
        `sandbox backend '${name}' is required (MLGYM_REQUIRE_BWRAP=1) but does not work: ${probe?.reason}`,
      );
    }
    return { name, skip: `backend ${name} unavailable: ${probe?.reason}` };
  });
}

/** A throw-away home + workspace on the host and a sandbox over it. */
export interface TempSandbox {
  sandbox: Sandbox;
  root: string;
  homeDir: string;
  workspaceDir: string;
  dispose(): Promise<void>;
}

export function tempSandbox(
  backend: string,
  extra: {
    mounts?: Mount[];
    evaluationMounts?: Mount[];
    limits?: SandboxSpec["limits"];
    network?: boolean;
    path?: string[];
  } = {},
): TempSandbox {
  const root = mkdtempSync(join(tmpdir(), "mlgym-test-"));
  const homeDir = join(root, "home");
  const workspaceDir = join(homeDir, "workspace");
  mkdirSync(workspaceDir, { recursive: true });
  const sandbox = createSandbox(backend, {
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
