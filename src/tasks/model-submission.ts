import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SubmissionNotFoundError } from "../errors.js";
import { shellQuote } from "../shell/shell-session.js";
import { parseFirstJsonLine } from "./metrics-json.js";
import type { TaskKind } from "./task-kind.js";

/** The shallowest `*.yaml` in sorted order (not in `data/` or hidden folders, never through a symbolic link). */
function findConfig(workspaceDir: string): string | undefined {
  let level = [""];
  while (level.length > 0) {
    const next: string[] = [];
    const found: string[] = [];
    for (const rel of level) {
      for (const name of readdirSync(join(workspaceDir, rel)).sort()) {
        if (name.startsWith(".") || (rel === "" && name === "data")) continue;
        const child = rel ? `${rel}/${name}` : name;
        const st = lstatSync(join(workspaceDir, child));
        if (st.isDirectory()) next.push(child);
        else if (st.isFile() && name.endsWith(".yaml")) found.push(child);
      }
    }
    if (found.length > 0) return found.sort()[0];
    level = next.sort();
  }
  return undefined;
}

/**
 * A trained model plus its YAML config; `evaluate.py --config_fname <yaml>` prints metrics on the first line that
 * starts with `{` (other lines are allowed). The config is the shallowest `*.yaml` in sorted order, not an arbitrary one.
 */
export const modelSubmission: TaskKind = {
  description: "the agent leaves a model and a *.yaml config; the first JSON line of the evaluation is read",
  artefact: "workspace",
  submissionPath(workspaceDir) {
    const path = findConfig(workspaceDir);
    if (!path) {
      throw new SubmissionNotFoundError(
        "No submission config (*.yaml) found in the workspace. Please save your model config.",
      );
    }
    return path;
  },
  evaluationArgs: (submission) => ["--config_fname", submission],
  parseMetrics: parseFirstJsonLine,
  baselineCommand: (path) => `python ${shellQuote(path)}`,
};
