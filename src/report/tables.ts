import { numpyRound, pythonFloatRepr, pythonRound } from "../metrics/rounding.js";
import { type AttemptAnalysis, BASELINE, type ScoreAnalysis } from "./analyze-scores.js";
import type { DisplayNames } from "./display-names.js";

/** A table as rows of cells, header first. */
export type Table = string[][];

// The original writes model scores as numpy floats (numpy rounding) and the baseline as a Python float
// (Python rounding), both printed with repr; NaN becomes an empty cell (reference 8.2).
const modelCell = (x: number) => (Number.isNaN(x) ? "" : pythonFloatRepr(numpyRound(x, 3)));
const baselineCell = (x: number) => (Number.isNaN(x) ? "" : pythonFloatRepr(pythonRound(x, 3)));

/** How a table names a method: ids in CSV/JSON (the original's layout), display names in Markdown/HTML. */
export type Label = (id: string) => string;
const byId: Label = (id) => id;

/** `Task,baseline,<models...>` with one row per task (display names), as `best_scores.csv` / `last_scores.csv`. */
export function scoresTable(analysis: ScoreAnalysis, kind: "best" | "last", label: Label = byId): Table {
  const rows = analysis.tasks.map((task, t) => {
    const [baseline = Number.NaN, ...models] = analysis[kind].scores[t] ?? [];
    return [task.displayName, baselineCell(baseline), ...models.map(modelCell)];
  });
  return [["Task", ...analysis.methods.map(label)], ...rows];
}

/** `Model,Best AUP,Last AUP`: models in column order, then the baseline, as `aup_scores.csv`. */
export function aupTable(analysis: ScoreAnalysis, label: Label = byId): Table {
  const order = [...analysis.models, BASELINE];
  const rows = order.map((method) => {
    const m = analysis.methods.indexOf(method);
    return [
      label(method),
      modelCell(analysis.best.aup[m] ?? Number.NaN),
      modelCell(analysis.last.aup[m] ?? Number.NaN),
    ];
  });
  return [["Model", "Best AUP", "Last AUP"], ...rows];
}

/** `Rank,1..n`: each task's methods by rank, then the mean-rank ("Plackett-Luce") and BORDA orders. */
export function ranksTable(analysis: ScoreAnalysis, kind: "best" | "last", label: Label = byId): Table {
  const result: AttemptAnalysis = analysis[kind];
  const header = ["Rank", ...analysis.methods.map((_, i) => String(i + 1))];
  const rows = analysis.tasks.map((task, t) => [task.displayName, ...(result.ranks[t] ?? []).map(label)]);
  return [
    header,
    ...rows,
    ["Plackett-Luce", ...result.meanRank.map(label)],
    ["BORDA", ...result.borda.map(label)],
  ];
}

function csvCell(cell: string): string {
  return /[",\n\r]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** CSV text with `\n` line ends and minimal quoting, like pandas' `to_csv(index=False)`. */
export function toCsv(table: Table): string {
  return table
    .map((row) => row.map(csvCell).join(","))
    .join("\n")
    .concat("\n");
}

/** A GitHub-flavoured Markdown table (numeric-looking columns are not aligned specially). */
export function toMarkdown(table: Table): string {
  const [header = [], ...rows] = table;
  const cell = (c: string) => c.replaceAll("|", "\\|").replaceAll("\n", " ");
  const line = (row: string[]) => `| ${row.map(cell).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n").concat("\n");
}

/** `Model,Display name,Colour`: how the report names and colours each model (`models.csv`). */
export function modelsTable(analysis: ScoreAnalysis, names: DisplayNames): Table {
  const rows = analysis.methods.map((id, i) => [id, names.label(id), names.colour(id, i)]);
  return [["Model", "Display name", "Colour"], ...rows];
}
