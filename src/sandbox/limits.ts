import type { SandboxLimits } from "./sandbox.js";

/**
 * Limits of a sandbox whose task declares none (each field separately). Sized for a CPU task with a small dataset:
 * a task that needs more says so in its YAML. A busy background loop is held to `cpus` and dies after `cpuSeconds`
 * of CPU time: two hours at two cores is a long training run, not a leftover.
 */
export const DEFAULT_LIMITS: Readonly<Required<SandboxLimits>> = Object.freeze({
  memoryMb: 4096,
  maxProcesses: 512,
  cpuSeconds: 7200,
  cpus: 2,
  diskMb: 2048,
  tmpMb: 512,
});

/** Combines layers of limits: a later layer's field overrides an earlier one's; undefined fields do not. */
export function mergeLimits(...layers: Array<SandboxLimits | undefined>): SandboxLimits {
  const out: SandboxLimits = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer) as Array<[keyof SandboxLimits, number | undefined]>) {
      if (value !== undefined) out[key] = value;
    }
  }
  return out;
}

/** The limits of an episode: the defaults, then the task's, then the caller's overrides. */
export function episodeLimits(task: SandboxLimits, overrides?: SandboxLimits): SandboxLimits {
  return mergeLimits(DEFAULT_LIMITS, task, overrides);
}
