import type { RunRow } from "./run-row.js";

/** Filters and order of the run list, from the query string of `/api/runs`. */
export interface ListQuery {
  task?: string;
  model?: string;
  status?: string;
  /** `flagged` (a high-severity flag), `clean` (audited, no flag), `unaudited`, or a rule id. */
  flag?: string;
  /** Free text, matched case-insensitively against the id, model, task and exit status. */
  q?: string;
  sort: "path" | "score" | "vs-baseline" | "cost" | "steps";
  desc: boolean;
  offset: number;
  limit: number;
}

const SORTS = ["path", "score", "vs-baseline", "cost", "steps"] as const;

/** Reads a list query from URL parameters (unknown sorts fall back to the path). */
export function parseListQuery(params: URLSearchParams): ListQuery {
  const text = (key: string) => {
    const v = params.get(key)?.trim();
    return v ? v : undefined;
  };
  const sort = (SORTS as readonly string[]).includes(params.get("sort") ?? "")
    ? (params.get("sort") as ListQuery["sort"])
    : "path";
  const int = (key: string, fallback: number, max: number) => {
    const n = Number(params.get(key));
    return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
  };
  const query: ListQuery = {
    sort,
    desc: params.get("desc") === "1",
    offset: int("offset", 0, Number.MAX_SAFE_INTEGER),
    limit: int("limit", 200, 5000) || 200,
  };
  for (const key of ["task", "model", "status", "flag", "q"] as const) {
    const v = text(key);
    if (v !== undefined) query[key] = v;
  }
  return query;
}

/**
 * How much better than the baseline the best score is, as a signed fraction of the baseline (positive = better,
 * whatever the metric's direction); null without both numbers.
 */
export function vsBaseline(row: RunRow): number | null {
  if (row.best === null || row.baseline === null) return null;
  const gain = row.direction === "minimize" ? row.baseline - row.best : row.best - row.baseline;
  return row.baseline === 0 ? gain : gain / Math.abs(row.baseline);
}

function matches(row: RunRow, query: ListQuery): boolean {
  if (query.task && row.taskId !== query.task) return false;
  if (query.model && row.model !== query.model) return false;
  if (query.status && row.exitStatus !== query.status) return false;
  if (query.flag) {
    if (query.flag === "flagged" && row.flagged !== true) return false;
    if (query.flag === "clean" && (row.flagged !== false || row.auditFlags.length > 0)) return false;
    if (query.flag === "unaudited" && row.flagged !== null) return false;
    if (!["flagged", "clean", "unaudited"].includes(query.flag) && !row.auditFlags.includes(query.flag))
      return false;
  }
  if (query.q) {
    const q = query.q.toLowerCase();
    const hay = `${row.id} ${row.model} ${row.taskId} ${row.exitStatus}`.toLowerCase();
    if (!q.split(/\s+/).every((word) => hay.includes(word))) return false;
  }
  return true;
}

function sortValue(row: RunRow, sort: ListQuery["sort"]): number | string | null {
  switch (sort) {
    case "score":
      return row.best;
    case "vs-baseline":
      return vsBaseline(row);
    case "cost":
      return row.cost;
    case "steps":
      return row.steps;
    default:
      return row.id;
  }
}

/** Values of each filter present in the folder, for the filter menus. */
export function facets(rows: readonly RunRow[]) {
  const sorted = (values: Iterable<string>) => [...new Set(values)].filter(Boolean).sort();
  return {
    tasks: sorted(rows.map((r) => r.taskId)),
    models: sorted(rows.map((r) => r.model)),
    statuses: sorted(rows.map((r) => r.exitStatus)),
    flags: ["flagged", "clean", "unaudited", ...sorted(rows.flatMap((r) => r.auditFlags))],
  };
}

/** Filters, sorts (missing values last, either way) and pages the rows. */
export function queryRuns(rows: readonly RunRow[], query: ListQuery) {
  const selected = rows.filter((r) => matches(r, query));
  const sign = query.desc ? -1 : 1;
  selected.sort((a, b) => {
    const x = sortValue(a, query.sort);
    const y = sortValue(b, query.sort);
    if (x === null || y === null) return x === y ? a.id.localeCompare(b.id) : x === null ? 1 : -1;
    if (x === y) return a.id.localeCompare(b.id);
    return (x < y ? -1 : 1) * sign;
  });
  return {
    total: selected.length,
    rows: selected
      .slice(query.offset, query.offset + query.limit)
      .map((r) => ({ ...r, vsBaseline: vsBaseline(r) })),
  };
}
