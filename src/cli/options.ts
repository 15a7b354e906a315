/** Commander collector for repeatable options (`--tasks-dir a --tasks-dir b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
