import type { Direction } from "./types.js";

/**
 * Methods of one task from best to worst. Stable: equal scores keep the input order (the report passes the
 * baseline first, then models in column order). Methods without a score (NaN) follow in input order; the
 * original appended them in Python set order, which is not deterministic.
 */
export function rankMethods(
  methods: readonly string[],
  scores: readonly number[],
  direction: Direction,
): string[] {
  const scored = methods
    .map((method, i) => ({ method, score: scores[i] ?? Number.NaN }))
    .filter((x) => !Number.isNaN(x.score));
  scored.sort((a, b) => (direction === "maximize" ? b.score - a.score : a.score - b.score));
  const missing = methods.filter((_, i) => Number.isNaN(scores[i] ?? Number.NaN));
  return [...scored.map((x) => x.method), ...missing];
}

function positionsOf(rankings: ReadonlyArray<readonly string[]>, method: string): number[] {
  return rankings.map((ranking) => {
    const position = ranking.indexOf(method);
    return position < 0 ? ranking.length : position;
  });
}

/**
 * Methods ordered by mean rank position over tasks, ascending (the original labels this row "Plackett-Luce",
 * but it is a mean-rank ordering). Ties keep the order of `methods`.
 */
export function meanRankOrder(
  rankings: ReadonlyArray<readonly string[]>,
  methods: readonly string[],
): string[] {
  const mean = new Map(
    methods.map((m) => {
      const positions = positionsOf(rankings, m);
      return [m, positions.reduce((a, b) => a + b, 0) / Math.max(positions.length, 1)];
    }),
  );
  return [...methods].sort((a, b) => (mean.get(a) as number) - (mean.get(b) as number));
}

/** Borda scores: per task a method earns n − position (0-based), n = the number of ranked methods. */
export function bordaScores(
  rankings: ReadonlyArray<readonly string[]>,
  methods: readonly string[],
): Map<string, number> {
  return new Map(
    methods.map((m) => {
      const positions = positionsOf(rankings, m);
      return [m, rankings.reduce((sum, ranking, t) => sum + ranking.length - (positions[t] as number), 0)];
    }),
  );
}

/** Methods ordered by Borda score, descending; ties keep the order of `methods`. */
export function bordaOrder(rankings: ReadonlyArray<readonly string[]>, methods: readonly string[]): string[] {
  const scores = bordaScores(rankings, methods);
  return [...methods].sort((a, b) => (scores.get(b) as number) - (scores.get(a) as number));
}
