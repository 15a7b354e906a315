import { SCALES, type Scale } from "../config/scales.js";
import { dataRootsFromEnv } from "../config/task-paths.js";
import { ConfigError } from "../errors.js";

/** Commander collector for repeatable options (`--tasks-dir a --tasks-dir b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a numeric option; anything else is a ConfigError naming the option. */
export function numberOption(value: string | undefined, field: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min)
    throw new ConfigError(`expected a number >= ${min}, got '${value}'`, { field });
  return n;
}

/** Help of `--data-root`, the same on every command that loads tasks. */
export const DATA_ROOT_HELP =
  "a folder task YAMLs may also name paths in, e.g. an MLGym checkout's root (repeatable; also MLGYM_DATA_ROOT)";

/** The data roots of a command: its `--data-root` folders, then those in `MLGYM_DATA_ROOT`. */
export function dataRoots(flags: string[] = []): string[] {
  return [...flags, ...dataRootsFromEnv()];
}

/** Help of `--scale`, the same on every command that runs tasks. */
export const SCALE_HELP =
  "task scale: small (CPU, minutes, offline data; the default) or full (the original's data, GPUs, timeouts)";

/** Parses `--scale`; anything but a known scale is a ConfigError listing them. */
export function scaleOption(value: string | undefined, field = "--scale"): Scale | undefined {
  if (value === undefined) return undefined;
  if ((SCALES as readonly string[]).includes(value)) return value as Scale;
  throw new ConfigError(`unknown scale '${value}'; allowed: ${SCALES.join(", ")}`, { field });
}
