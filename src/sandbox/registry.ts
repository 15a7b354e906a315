import { ConfigError } from "../errors.js";
import { BwrapSandbox, probeBwrap } from "./bwrap.js";
import { createContainerSandbox, probeContainerEngine } from "./docker.js";
import { LocalSandbox } from "./local.js";
import type { Sandbox, SandboxSpec } from "./sandbox.js";

/** A sandbox backend: how to build one (asynchronously; `Sandbox.close` is its cleanup), and whether it works here. */
export interface SandboxBackend {
  description: string;
  probe(): { ok: boolean; reason: string };
  create(spec: SandboxSpec): Promise<Sandbox>;
}

/** Builds the sandbox of one episode; `run/` hands one to the environment, which never picks its backend. */
export type SandboxFactory = (spec: SandboxSpec) => Promise<Sandbox>;

/** Every sandbox backend, by name. */
export const sandboxBackends: Record<string, SandboxBackend> = {
  local: {
    description: "a workspace folder on the host (development only: no isolation)",
    probe: () => ({ ok: true, reason: "always available; agent code runs unconfined on the host" }),
    create: async (spec) => new LocalSandbox(spec),
  },
  bwrap: {
    description:
      "bubblewrap namespaces: no network, read-only system and evaluation files, hidden ground truth",
    probe: probeBwrap,
    create: async (spec) => new BwrapSandbox(spec),
  },
  docker: {
    description:
      "one Docker container per episode (MLGYM_CONTAINER_ENGINE=podman for Podman's docker-compatible CLI)",
    probe: () => probeContainerEngine(),
    create: (spec) => createContainerSandbox(spec),
  },
  podman: {
    description: "one Podman container per episode (the docker backend through podman's CLI)",
    probe: () => probeContainerEngine("podman"),
    create: (spec) => createContainerSandbox(spec, "podman"),
  },
};

const probed = new Map<string, { ok: boolean; reason: string }>();

/** Probes one backend, once per process. */
export function probeBackend(name: string): { ok: boolean; reason: string } | undefined {
  const backend = sandboxBackends[name];
  if (!backend) return undefined;
  let probe = probed.get(name);
  if (!probe) {
    probe = backend.probe();
    probed.set(name, probe);
  }
  return probe;
}

/** Probes every backend once per process. */
export function probeBackends(): Record<string, { ok: boolean; reason: string }> {
  return Object.fromEntries(Object.keys(sandboxBackends).map((name) => [name, probeBackend(name)!]));
}

/** The default backend: bwrap where it works (Linux with user namespaces), else local. */
export function defaultBackendName(): string {
  return probeBackend("bwrap")?.ok ? "bwrap" : "local";
}

/** The factory of the named backend (default: `defaultBackendName`); unknown or unusable names are configuration errors. */
export function sandboxFactory(name?: string): SandboxFactory {
  const chosen = name ?? defaultBackendName();
  const backend = sandboxBackends[chosen];
  if (!backend) {
    throw new ConfigError(
      `unknown sandbox '${chosen}'; available: ${Object.keys(sandboxBackends).join(", ")}`,
      { field: "--sandbox" },
    );
  }
  const probe = probeBackend(chosen);
  if (probe && !probe.ok)
    throw new ConfigError(`sandbox '${chosen}' does not work here: ${probe.reason}`, { field: "--sandbox" });
  return (spec) => backend.create(spec);
}

/** Creates a sandbox of the named backend (see `sandboxFactory`). */
export function createSandbox(name: string | undefined, spec: SandboxSpec): Promise<Sandbox> {
  return sandboxFactory(name)(spec);
}
