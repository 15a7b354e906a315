import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError } from "../errors.js";
import { writeJsonAtomic } from "../trajectory/files.js";
import { atifTrajectory } from "./atif.js";
import { chatRecord } from "./chat.js";
import { type ExportEpisode, type LoadOptions, loadEpisodes, type SkippedFolder } from "./episodes.js";
import { type ExclusionReason, type ExportFilters, exclusionReason } from "./filters.js";
import { stepRecords } from "./steps.js";

/** The formats `mlgym export` writes. */
export const EXPORT_FORMATS = ["chat-jsonl", "atif", "steps-jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Parses `--format`; anything else is a ConfigError listing the formats. */
export function parseExportFormat(value: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new ConfigError(`unknown format '${value}'; allowed: ${EXPORT_FORMATS.join(", ")}`, {
    field: "--format",
  });
}

/** Options of {@link exportRuns}. */
export interface ExportOptions extends LoadOptions {
  format: ExportFormat;
  filters?: ExportFilters;
  /**
   * JSONL formats: the file to write (in a folder: `<folder>/<format>.jsonl`); without it lines go to `write`.
   * `atif`: the folder that gets `<run>/trajectory.json` per episode (required).
   */
  out?: string;
  /** Where JSONL lines go without `out` (standard output in the CLI). */
  write?: (text: string) => void;
  /** Recorded as the ATIF agent's version. */
  agentVersion?: string;
}

/** What an export did. */
export interface ExportSummary {
  /** Episodes written, and the records (lines, or trajectory.json files) written for them. */
  episodes: number;
  records: number;
  /** Episodes a filter left out, by filter. */
  excluded: Partial<Record<ExclusionReason, number>>;
  /** Episodes kept by the filters that had nothing to write (no model answer). */
  empty: string[];
  /** Run folders without a readable trajectory. */
  skipped: SkippedFolder[];
  /** With `excludeFlagged`: kept episodes that have no `audit.json` (never audited). */
  notAudited: number;
  /** Episodes whose evaluations could not all be placed on steps (their rewards may be off). */
  unmatched: string[];
  /** Notes from reading task YAMLs. */
  notes: string[];
  /** The file or folder written; undefined when the lines went to `write`. */
  output: string | undefined;
}

function jsonlTarget(out: string, format: ExportFormat): string {
  if (existsSync(out) && statSync(out).isDirectory()) return join(out, `${format}.jsonl`);
  mkdirSync(dirname(out), { recursive: true });
  return out;
}

function recordsOf(episode: ExportEpisode, format: Exclude<ExportFormat, "atif">): unknown[] {
  if (format === "steps-jsonl") return stepRecords(episode);
  const record = chatRecord(episode);
  return record ? [record] : [];
}

/**
 * Exports the episodes under `root` that pass the filters, in path order: JSONL lines (`chat-jsonl`,
 * `steps-jsonl`) or one ATIF `trajectory.json` per episode (`atif`).
 */
export async function exportRuns(root: string, options: ExportOptions): Promise<ExportSummary> {
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new ConfigError("runs directory not found", { file: root });
  if (options.format === "atif" && options.out === undefined)
    throw new ConfigError("atif writes one trajectory.json per episode: give the folder with --out", {
      field: "--out",
    });
  const filters = options.filters ?? {};
  const { episodes, skipped, notes } = await loadEpisodes(root, options);
  const summary: ExportSummary = {
    episodes: 0,
    records: 0,
    excluded: {},
    empty: [],
    skipped,
    notAudited: 0,
    unmatched: [],
    notes,
    output: undefined,
  };
  const format = options.format;
  let fd: number | undefined;
  let emit = options.write ?? ((text: string) => process.stdout.write(text));
  if (format !== "atif" && options.out !== undefined) {
    summary.output = jsonlTarget(options.out, format);
    const file = openSync(summary.output, "w");
    fd = file;
    emit = (text) => writeSync(file, text);
  }
  if (format === "atif") summary.output = options.out;
  try {
    for (const episode of episodes) {
      const reason = exclusionReason(episode, filters);
      if (reason) {
        summary.excluded[reason] = (summary.excluded[reason] ?? 0) + 1;
        continue;
      }
      let written = 0;
      if (format === "atif") {
        const document = atifTrajectory(episode, options.agentVersion ?? "unknown");
        if (document) {
          writeJsonAtomic(join(options.out!, episode.run, "trajectory.json"), document);
          written = 1;
        }
      } else {
        const records = recordsOf(episode, format);
        if (records.length > 0) emit(`${records.map((r) => JSON.stringify(r)).join("\n")}\n`);
        written = records.length;
      }
      if (written === 0) {
        summary.empty.push(episode.run);
        continue;
      }
      summary.episodes++;
      summary.records += written;
      if (filters.excludeFlagged && episode.flagged === undefined) summary.notAudited++;
      if (!episode.evaluationsMatched) summary.unmatched.push(episode.run);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return summary;
}
