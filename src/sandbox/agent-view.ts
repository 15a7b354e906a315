import { isAbsolute, join, relative } from "node:path";
import type { Mount, SandboxSpec, ScratchRunOptions } from "./sandbox.js";

/** The agent's home inside an isolating sandbox (bwrap, containers). */
export const SANDBOX_HOME = "/home/agent";
/** Where a scratch run of the agent's view sees its extra mounts (channels), outside the agent's home. */
export const SCRATCH_DIR = "/run/mlgym";

/**
 * What the agent sees in an isolating sandbox: its home at `SANDBOX_HOME`, the workspace inside it (a workspace
 * outside the home, a user's folder used in place, is bound at the usual place) and the spec's mounts, relative ones
 * under the home. The same layout for every backend, so that observations do not depend on the backend.
 */
export class AgentView {
  /** The workspace's path inside the sandbox. */
  readonly workspace: string;
  /** The agent's mounts: its home, the workspace where it lies outside the home, the spec's mounts. */
  readonly mounts: Mount[];
  /** Whether the workspace lies outside the home (then it is a mount of its own). */
  readonly workspaceOutsideHome: boolean;

  constructor(private readonly spec: SandboxSpec) {
    const rel = relative(spec.homeDir, spec.workspaceDir);
    this.workspaceOutsideHome = rel.startsWith("..") || isAbsolute(rel);
    this.workspace = this.workspaceOutsideHome ? join(SANDBOX_HOME, "workspace") : join(SANDBOX_HOME, rel);
    this.mounts = [
      { hostPath: spec.homeDir, path: SANDBOX_HOME, readOnly: false },
      ...(this.workspaceOutsideHome
        ? [{ hostPath: spec.workspaceDir, path: this.workspace, readOnly: false }]
        : []),
      ...spec.mounts.map((m) => this.inside(m)),
    ];
  }

  /** A mount with a relative path placed under the home. */
  inside(m: Mount): Mount {
    return { ...m, path: isAbsolute(m.path) ? m.path : join(SANDBOX_HOME, m.path) };
  }

  /** The hidden files' mounts, for evaluation runs only. */
  evaluationMounts(): Mount[] {
    return this.spec.evaluationMounts.map((m) => this.inside(m));
  }

  /**
   * Mounts of a scratch run: for the agent's view, its mounts read-only plus the run's own under `SCRATCH_DIR`; for
   * an evaluation, the system-level mounts (runtime, tools), the run's folder as the workspace and its own mounts.
   */
  scratchMounts(options: ScratchRunOptions): Mount[] {
    if (options.view === "agent") {
      const readOnlyHome = this.mounts.map((m) => ({ ...m, readOnly: true }));
      return [...readOnlyHome, ...options.mounts.map((m) => ({ ...m, path: join(SCRATCH_DIR, m.path) }))];
    }
    return [
      ...this.spec.mounts.filter((m) => isAbsolute(m.path)),
      { hostPath: options.dir, path: this.workspace, readOnly: false },
      ...options.mounts.map((m) => ({ ...m, path: join(this.workspace, m.path) })),
    ];
  }
}
