import type { Command } from "commander";
import { registerAudit } from "./audit.js";
import { registerBaseline } from "./baseline.js";
import { registerBatch } from "./batch.js";
import { registerData } from "./data.js";
import { registerDoctor } from "./doctor.js";
import { registerExec } from "./exec.js";
import { registerExport } from "./export.js";
import { registerImage } from "./image.js";
import { registerReplay } from "./replay.js";
import { registerReport } from "./report.js";
import { registerRun } from "./run.js";
import { registerServe } from "./serve.js";
import { registerSetup } from "./setup.js";
import { registerTasks } from "./tasks.js";
import { registerTasksCheck } from "./tasks-check.js";
import { registerView } from "./view.js";
import { registerWorker } from "./worker.js";

/** Every CLI subcommand, in help order. Adding a command = one file + one line here. */
export const commands: Array<(program: Command) => void> = [
  registerRun,
  registerBatch,
  registerWorker,
  registerServe,
  registerReplay,
  registerSetup,
  registerTasks,
  registerTasksCheck,
  registerBaseline,
  registerData,
  registerExec,
  registerDoctor,
  registerImage,
  registerReport,
  registerAudit,
  registerExport,
  registerView,
];
