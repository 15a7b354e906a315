/** One entry of the agent's conversation, in the original's trajectory `history` shape. */
export interface HistoryEntry {
  role: "system" | "user" | "assistant";
  content: string;
  agent: string;
  thought?: string;
  action?: string;
  is_demo?: boolean;
}

export type HistoryProcessor = (history: HistoryEntry[]) => HistoryEntry[];

/**
 * Keeps the first and the last `n` observations (non-demo user messages) verbatim and replaces the others with
 * `Old output omitted (<k> lines)`; the stored history itself is never changed.
 */
export function lastNObservations(n: number): HistoryProcessor {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`n must be a positive integer, got ${n}`);
  return (history) => {
    const observations = history.flatMap((h, i) => (h.role === "user" && !h.is_demo ? [i] : []));
    const keep = new Set([observations[0], ...observations.slice(-n)]);
    return history.map((h, i) =>
      h.role === "user" && !h.is_demo && !keep.has(i)
        ? { ...h, content: `Old output omitted (${h.content.split("\n").length} lines)` }
        : h,
    );
  };
}

/** History processors by the original's names; `args` come from `history_processor_args`. */
export function historyProcessor(name: string, args: Record<string, unknown>): HistoryProcessor | undefined {
  const fixed = /^Last(\d+)Observations$/.exec(name);
  if (fixed) return lastNObservations(Number(fixed[1]));
  if (name === "LastNObservations") return lastNObservations(Number(args.n));
  if (name === "DefaultHistoryProcessor") return (h) => h;
  return undefined;
}
