import { ConfigError } from "../errors.js";
import { csvSubmission } from "./csv-submission.js";
import { lmSubmission } from "./lm-submission.js";
import { modelSubmission } from "./model-submission.js";
import { pythonSubmission } from "./python-submission.js";
import type { TaskKind } from "./task-kind.js";

/** Task kinds by the original's `task_entrypoint` class names. */
export const taskKinds: Record<string, TaskKind> = {
  CSVSubmissionTasks: csvSubmission,
  PythonSubmissionTasks: pythonSubmission,
  ModelSubmissionTasks: modelSubmission,
  LMSubmissionTasks: lmSubmission,
};

/** The kind named by a task's `task_entrypoint`; unknown names list the available ones. */
export function taskKind(name: string, file?: string): TaskKind {
  const kind = taskKinds[name];
  if (!kind) {
    throw new ConfigError(`unknown task kind '${name}'; available: ${Object.keys(taskKinds).join(", ")}`, {
      ...(file ? { file } : {}),
      field: "task_entrypoint",
    });
  }
  return kind;
}
