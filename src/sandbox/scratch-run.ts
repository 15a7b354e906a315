import { createCgroup } from "./cgroup.js";
import { freezeProcesses } from "./freeze.js";
import { descendants } from "./process-tree.js";
import type { SandboxLimits, ScratchProcess, ScratchRunOptions, ShellProcess } from "./sandbox.js";
import { limitedArgv, startProcess } from "./spawn.js";

let counter = 0;

/**
 * Starts a scratch run (`Sandbox.startScratch`) from its ready argv: in a control group of its own with the
 * sandbox's limits (so freezing the agent never freezes it, and the agent's processes do not count against it),
 * removed when the run ends.
 */
export function startScratchRun(
  argv: string[],
  limits: SandboxLimits,
  env: NodeJS.ProcessEnv,
  options: ScratchRunOptions & { cwd?: string },
): ScratchProcess {
  const cgroup = createCgroup(`mlgym-run-${process.pid}-${(++counter).toString(36)}`, limits);
  const started = startProcess(limitedArgv(argv, limits, cgroup), {
    env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.protocol ? { protocol: true } : {}),
    ...(options.extraStdio ? { extraStdio: options.extraStdio } : {}),
  });
  const result = started.result.finally(async () => {
    await cgroup?.killAll();
    cgroup?.remove();
  });
  return { ...started, result };
}

/** Freezes the agent's processes: those of its control group and every descendant of its shells. */
export function freezeAgent(
  cgroupPids: () => number[],
  shells: ShellProcess[],
): Promise<() => Promise<void>> {
  return freezeProcesses(() => [
    ...cgroupPids(),
    ...shells.flatMap((s) => [s.pid, ...descendants(s.pid).map((p) => p.pid)]),
  ]);
}
