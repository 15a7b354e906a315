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
