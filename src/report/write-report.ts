import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import type { ReportData } from "./build-report.js";
import { buildFigures } from "./figures.js";
import { svgToPng } from "./png.js";
import { renderHtml, renderMarkdown } from "./render-documents.js";
import { reportSections } from "./sections.js";
import { aupTable, ranksTable, scoresTable, toCsv } from "./tables.js";

/** Output formats of `mlgym report`. */
export const REPORT_FORMATS = ["csv", "json", "md", "html", "svg", "png"] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const TITLE = "MLGym report";

/** Parses `csv,md,...`; an unknown name is a ConfigError listing the allowed ones. */
export function parseFormats(list: string): ReportFormat[] {
  const names = list
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const name of names) {
    if (!(REPORT_FORMATS as readonly string[]).includes(name)) {
      throw new ConfigError(`unknown format '${name}' (allowed: ${REPORT_FORMATS.join(", ")})`, {
        field: "--format",
      });
    }
  }
  return names as ReportFormat[];
}

/** The report as JSON for other tools: analysis data plus the rendered tables; NaN becomes null. */
export function reportJson(data: ReportData): string {
  const tables = {
    aup_scores: aupTable(data.scores),
    best_scores: scoresTable(data.scores, "best"),
    last_scores: scoresTable(data.scores, "last"),
    best_ranks: ranksTable(data.scores, "best"),
    last_ranks: ranksTable(data.scores, "last"),
    ...(data.audit?.clean
      ? {
          aup_scores_clean: aupTable(data.audit.clean),
          best_scores_clean: scoresTable(data.audit.clean, "best"),
          last_scores_clean: scoresTable(data.audit.clean, "last"),
        }
      : {}),
  };
  return `${JSON.stringify({ format: "mlgym-report/1", ...data, tables }, null, 1)}\n`;
}

/** Writes the requested formats into `outDir` and returns the written paths (relative to `outDir`). */
export async function writeReport(
  data: ReportData,
  outDir: string,
  formats: readonly ReportFormat[],
): Promise<string[]> {
  const written: string[] = [];
  const put = async (name: string, content: string | Buffer) => {
    await writeFile(join(outDir, name), content);
    written.push(name);
  };
  await mkdir(outDir, { recursive: true });
  const want = new Set(formats);
  if (want.has("csv")) {
    await put("aup_scores.csv", toCsv(aupTable(data.scores)));
    for (const kind of ["best", "last"] as const) {
      await put(`${kind}_scores.csv`, toCsv(scoresTable(data.scores, kind)));
      await put(`${kind}_ranks.csv`, toCsv(ranksTable(data.scores, kind)));
    }
    const clean = data.audit?.clean;
    if (clean) {
      await put("aup_scores_clean.csv", toCsv(aupTable(clean)));
      for (const kind of ["best", "last"] as const)
        await put(`${kind}_scores_clean.csv`, toCsv(scoresTable(clean, kind)));
    }
  }
  if (want.has("json")) await put("report.json", reportJson(data));
  const needFigures = want.has("svg") || want.has("png") || want.has("md") || want.has("html");
  const figures = needFigures ? buildFigures(data) : [];
  if (want.has("svg") || want.has("png")) await mkdir(join(outDir, "figures"), { recursive: true });
  for (const figure of figures) {
    if (want.has("svg")) await put(`figures/${figure.name}.svg`, figure.svg);
    if (want.has("png")) await put(`figures/${figure.name}.png`, svgToPng(figure.svg));
  }
  const sections = want.has("md") || want.has("html") ? reportSections(data, figures) : [];
  if (want.has("md"))
    await put(
      "summary.md",
      renderMarkdown(TITLE, sections, want.has("png") ? "png" : want.has("svg") ? "svg" : undefined),
    );
  if (want.has("html")) await put("report.html", renderHtml(TITLE, sections));
  return written;
}
