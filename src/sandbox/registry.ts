import { ConfigError } from "../errors.js";
import { BwrapSandbox, probeBwrap } from "./bwrap.js";
import { LocalSandbox } from "./local.js";
import type { Sandbox, SandboxSpec } from "./sandbox.js";

/** A sandbox backend: how to build one, and whether it works on this machine. */
export interface SandboxBackend {
  description: string;
  probe(): { ok: boolean; reason: string };
  create(spec: SandboxSpec): Sandbox;
}

/** Every sandbox backend, by name. */
export const sandboxBackends: Record<string, SandboxBackend> = {
  local: {
    description: "a workspace folder on the host (development only: no isolation)",
    probe: () => ({ ok: true, reason: "always available; agent code runs unconfined on the host" }),
    create: (spec) => new LocalSandbox(spec),
  },
  bwrap: {
    description:
      "bubblewrap namespaces: no network, read-only system and evaluation files, hidden ground truth",
    probe: probeBwrap,
    create: (spec) => new BwrapSandbox(spec),
  },
};

let probed: Record<string, { ok: boolean; reason: string }> | undefined;

/** Probes every backend once per process. */
export function probeBackends(): Record<string, { ok: boolean; reason: string }> {
  probed ??= Object.fromEntries(Object.entries(sandboxBackends).map(([name, b]) => [name, b.probe()]));
  return probed;
}

/** The default backend: bwrap where it works (Linux with user namespaces), else local. */
export function defaultBackendName(): string {
  return probeBackends().bwrap?.ok ? "bwrap" : "local";
}

/** Creates a sandbox of the named backend; unknown or unusable names are configuration errors. */
export function createSandbox(name: string | undefined, spec: SandboxSpec): Sandbox {
  const chosen = name ?? defaultBackendName();
  const backend = sandboxBackends[chosen];
  if (!backend) {
    throw new ConfigError(
      `unknown sandbox '${chosen}'; available: ${Object.keys(sandboxBackends).join(", ")}`,
      {
        field: "--sandbox",
      },
    );
  }
  const probe = probeBackends()[chosen];
  if (probe && !probe.ok)
    throw new ConfigError(`sandbox '${chosen}' does not work here: ${probe.reason}`, { field: "--sandbox" });
  return backend.create(spec);
}
