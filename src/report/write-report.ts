import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ReportData } from "./build-report.js";
import type { Figure, SkippedFigure } from "./figures.js";
import type { ReportFormat } from "./formats.js";
import { renderHtml, renderMarkdown } from "./render-documents.js";
import { reportSections } from "./sections.js";
import { aupTable, modelsTable, ranksTable, scoresTable, toCsv } from "./tables.js";

export { parseFormats, REPORT_FORMATS, type ReportFormat } from "./formats.js";

const TITLE = "MLGym report";

/** The report as JSON for other tools: analysis data plus the rendered tables; NaN becomes null. */
export function reportJson(data: ReportData): string {
  const tables = {
    aup_scores: aupTable(data.scores),
    best_scores: scoresTable(data.scores, "best"),
    last_scores: scoresTable(data.scores, "last"),
    best_ranks: ranksTable(data.scores, "best"),
    last_ranks: ranksTable(data.scores, "last"),
    models: modelsTable(data.scores, data.names),
    ...(data.audit?.clean
      ? {
          aup_scores_clean: aupTable(data.audit.clean),
          best_scores_clean: scoresTable(data.audit.clean, "best"),
          last_scores_clean: scoresTable(data.audit.clean, "last"),
        }
      : {}),
  };
  // `names` holds functions: written as the id -> {label, colour} map it stands for.
  const names = Object.fromEntries(
    data.scores.methods.map((id, i) => [
      id,
      { label: data.names.label(id), colour: data.names.colour(id, i) },
    ]),
  );
  return `${JSON.stringify({ format: "mlgym-report/1", ...data, names, tables }, null, 1)}\n`;
}

/** Where warnings go besides summary.md (stderr by default). */
export type Warn = (line: string) => void;
const toStderr: Warn = (line) => {
  process.stderr.write(`warning: ${line}\n`);
};

/**
 * Writes the requested formats into `outDir` and returns the written paths (relative to `outDir`). Tables
 * (CSV, JSON) come first; then each figure on its own: one that cannot be drawn or converted is skipped with a
 * warning (`warn`, and a note in summary.md) and the rest are still written.
 */
export async function writeReport(
  data: ReportData,
  outDir: string,
  formats: readonly ReportFormat[],
  warn: Warn = toStderr,
): Promise<string[]> {
  const written: string[] = [];
  const put = async (name: string, content: string | Buffer) => {
    await writeFile(join(outDir, name), content);
    written.push(name);
  };
  await mkdir(outDir, { recursive: true });
  const want = new Set(formats);
  for (const line of data.warnings) warn(line);
  if (want.has("csv")) {
    await put("aup_scores.csv", toCsv(aupTable(data.scores)));
    for (const kind of ["best", "last"] as const) {
      await put(`${kind}_scores.csv`, toCsv(scoresTable(data.scores, kind)));
      await put(`${kind}_ranks.csv`, toCsv(ranksTable(data.scores, kind)));
    }
    await put("models.csv", toCsv(modelsTable(data.scores, data.names)));
    const clean = data.audit?.clean;
    if (clean) {
      await put("aup_scores_clean.csv", toCsv(aupTable(clean)));
      for (const kind of ["best", "last"] as const)
        await put(`${kind}_scores_clean.csv`, toCsv(scoresTable(clean, kind)));
    }
  }
  // Tables before figures: whatever a figure does, the numbers are on disk (summary.md is rewritten below).
  if (want.has("json")) await put("report.json", reportJson(data));
  if (want.has("md"))
    await writeFile(
      join(outDir, "summary.md"),
      renderMarkdown(TITLE, reportSections(data, [], []), undefined),
    );
  const skipped: SkippedFigure[] = [];
  const skip = (name: string, error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    skipped.push({ name, reason });
    warn(`figure ${name} skipped: ${reason}`);
  };
  const needFigures =
    want.has("svg") || want.has("png") || want.has("pdf") || want.has("md") || want.has("html");
  let figures: Figure[] = [];
  // Loaded only when drawn: the chart, PNG and PDF modules cost a CSV-only report most of its start-up time.
  const { renderFigureFiles } = needFigures
    ? await import("./figure-files.js")
    : { renderFigureFiles: undefined };
  if (needFigures) {
    try {
      const { buildFigures } = await import("./figures.js");
      figures = buildFigures(data, (s) => skip(s.name, new Error(s.reason)));
    } catch (error) {
      skip("(all figures)", error);
    }
  }
  if (want.has("svg") || want.has("png") || want.has("pdf"))
    await mkdir(join(outDir, "figures"), { recursive: true });
  const drawn: Figure[] = [];
  for (const figure of figures) {
    try {
      const files = await (renderFigureFiles as NonNullable<typeof renderFigureFiles>)(figure, {
        png: want.has("png"),
        pdf: want.has("pdf"),
      });
      if (want.has("svg")) await put(`figures/${figure.name}.svg`, figure.svg);
      if (files.png) await put(`figures/${figure.name}.png`, files.png);
      if (files.pdf) await put(`figures/${figure.name}.pdf`, files.pdf);
      drawn.push(figure);
    } catch (error) {
      skip(figure.name, error);
    }
  }
  const sections = want.has("md") || want.has("html") ? reportSections(data, drawn, skipped) : [];
  if (want.has("md"))
    await put(
      "summary.md",
      renderMarkdown(TITLE, sections, want.has("png") ? "png" : want.has("svg") ? "svg" : undefined),
    );
  if (want.has("html")) await put("report.html", renderHtml(TITLE, sections));
  return written;
}
