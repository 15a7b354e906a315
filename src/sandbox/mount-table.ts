import { existsSync, realpathSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { SandboxError } from "../errors.js";
import type { Mount } from "./sandbox.js";

function within(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}

/** Maps paths inside a sandbox to host paths through its mounts (most specific mount wins). */
export class MountTable {
  private readonly mounts: Mount[];
  constructor(
    mounts: Mount[],
    private readonly workspace: string,
  ) {
    this.mounts = [...mounts].sort((a, b) => b.path.length - a.path.length);
  }

  /** The host location of `path` (absolute inside, or relative to the workspace), or undefined if not visible. */
  toHost(path: string): { hostPath: string; readOnly: boolean; mountHost: string } | undefined {
    const inside = isAbsolute(path) ? resolve(path) : resolve(this.workspace, path);
    for (const m of this.mounts) {
      if (within(inside, m.path)) {
        return {
          hostPath: join(m.hostPath, relative(m.path, inside)),
          readOnly: m.readOnly,
          mountHost: m.hostPath,
        };
      }
    }
    return undefined;
  }

  /** The inside path of a host path, or undefined when no mount shows it. */
  toInside(hostPath: string): string | undefined {
    const abs = resolve(hostPath);
    const sorted = [...this.mounts].sort((a, b) => b.hostPath.length - a.hostPath.length);
    for (const m of sorted) {
      if (within(abs, m.hostPath)) return join(m.path, relative(m.hostPath, abs));
    }
    return undefined;
  }

  /** Reads a file as the agent would, refusing symlinks that lead out of their mount. */
  async read(path: string): Promise<Buffer> {
    const target = this.toHost(path);
    if (!target) throw new SandboxError(`${path}: no such file in the sandbox`);
    const real = safeRealpath(target.hostPath, path);
    if (!within(real, safeRealpath(target.mountHost, path))) {
      throw new SandboxError(`${path}: resolves outside the sandbox`);
    }
    try {
      return await readFile(real);
    } catch (cause) {
      throw new SandboxError(`${path}: cannot read (${(cause as NodeJS.ErrnoException).code})`, { cause });
    }
  }

  /** Writes a file as the agent would: read-only mounts and escaping symlinks are refused. */
  async write(path: string, data: string | Uint8Array): Promise<void> {
    const target = this.toHost(path);
    if (!target) throw new SandboxError(`${path}: no such directory in the sandbox`);
    if (target.readOnly) throw new SandboxError(`${path}: read-only file system`);
    const root = safeRealpath(target.mountHost, path);
    const parent = safeRealpath(dirname(target.hostPath), path);
    const existing = existsSync(target.hostPath)
      ? realpathSync(target.hostPath)
      : join(parent, basename(target.hostPath));
    if (!within(parent, root) || !within(existing, root)) {
      throw new SandboxError(`${path}: resolves outside the sandbox`);
    }
    try {
      await writeFile(existing, data);
    } catch (cause) {
      throw new SandboxError(`${path}: cannot write (${(cause as NodeJS.ErrnoException).code})`, { cause });
    }
  }
}

function safeRealpath(hostPath: string, shown: string): string {
  try {
    return realpathSync(hostPath);
  } catch (cause) {
    throw new SandboxError(`${shown}: no such file or directory`, { cause });
  }
}
