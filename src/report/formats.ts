import { ConfigError } from "../errors.js";

/** Output formats of `mlgym report`. */
export const REPORT_FORMATS = ["csv", "json", "md", "html", "svg", "png", "pdf"] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

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
