// Reports from run folders: reading, analysis (via ../metrics), tables, charts and documents.
export type { RunAnalysis, ScoreTrail, Usage } from "./analyze-runs.js";
export { type AttemptAnalysis, BASELINE, type ScoreAnalysis } from "./analyze-scores.js";
export { auditLine, auditSection, aupWithCleanTable } from "./audit-section.js";
export {
  type AuditOverview,
  analyse,
  auditOverview,
  buildReport,
  type ReportData,
  type ReportOptions,
  resolveTaskMeta,
} from "./build-report.js";
export { KNOWN_MODELS, orderModels, TASK_CATALOGUE } from "./catalogue.js";
export { buildFigures, type Figure } from "./figures.js";
export { loadRuns, type RunAuditStatus, type RunIssue, type RunRecord, readRun } from "./load-runs.js";
export { svgToPng } from "./png.js";
export { parseRunFolderName, type RunName } from "./run-folder.js";
export { aupTable, ranksTable, scoresTable, toCsv } from "./tables.js";
export type { TaskMeta } from "./task-meta.js";
export { loadTaskMetaFile } from "./task-meta-file.js";
export { parseFormats, REPORT_FORMATS, type ReportFormat, reportJson, writeReport } from "./write-report.js";
