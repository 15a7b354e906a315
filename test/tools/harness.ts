import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ensurePythonRuntime } from "../../src/runtime/python-runtime.js";
import { createSandbox, probeBackends } from "../../src/sandbox/registry.js";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { ShellSession } from "../../src/shell/shell-session.js";
import { defaultToolsDir, loadToolset } from "../../src/tools/toolset.js";

/** The sandbox backends that work on this machine (local always; bwrap where namespaces work). */
export function usableBackends(): string[] {
  return Object.entries(probeBackends())
    .filter(([, p]) => p.ok)
    .map(([name]) => name);
}

/** A shell with the default tools installed, in a fresh sandbox whose workspace holds `files`. */
export interface ToolShell {
  sandbox: Sandbox;
  session: ShellSession;
  /** Workspace folder on the host. */
  hostWorkspace: string;
  /** Workspace folder as the tools see it. */
  workspace: string;
  /** Runs one action like the environment does (LAST_ACTION afterwards) and returns its filtered output. */
  step(action: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a sandbox of `backend` with the tools mounted read-only at `~/commands` and installed. */
export async function startToolShell(
  backend: string,
  files: Record<string, string | Buffer> = {},
  options: { readOnly?: string[] } = {},
): Promise<ToolShell> {
  const runtime = await ensurePythonRuntime();
  const home = mkdtempSync(join(tmpdir(), "mlgym-tools-test-"));
  const hostWorkspace = join(home, "workspace");
  mkdirSync(hostWorkspace);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(hostWorkspace, name)), { recursive: true });
    writeFileSync(join(hostWorkspace, name), content);
  }
  for (const name of options.readOnly ?? []) chmodSync(join(hostWorkspace, name), 0o444);
  const sandbox = await createSandbox(backend, {
    homeDir: home,
    workspaceDir: hostWorkspace,
    mounts: [
      { hostPath: defaultToolsDir(), path: "commands", readOnly: true },
      { hostPath: runtime.dir, path: runtime.dir, readOnly: true },
      { hostPath: runtime.basePrefix, path: runtime.basePrefix, readOnly: true },
    ],
    evaluationMounts: [],
    network: false,
    limits: {},
    env: {},
    path: [runtime.binDir],
  });
  const toolsDir = join(sandbox.home, "commands");
  const session = await ShellSession.start(sandbox, { setup: loadToolset().installScript(toolsDir) });
  const step = async (action: string): Promise<string> => {
    const result = await session.run(action, { timeoutS: 60 });
    await session.run(`export LAST_ACTION=${shellQuote(action.trim())}`, { timeoutS: 5 });
    return result.output;
  };
  return {
    sandbox,
    session,
    hostWorkspace,
    workspace: sandbox.workspace,
    step,
    close: async () => {
      await session.close();
      await sandbox.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
