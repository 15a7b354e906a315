import type { Command } from "commander";
import { registerDoctor } from "./doctor.js";
import { registerExec } from "./exec.js";
import { registerReport } from "./report.js";
import { registerRun } from "./run.js";
import { registerSetup } from "./setup.js";
import { registerTasks } from "./tasks.js";

/** Every CLI subcommand, in help order. Adding a command = one file + one line here. */
export const commands: Array<(program: Command) => void> = [
  registerRun,
  registerSetup,
  registerTasks,
  registerExec,
  registerDoctor,
  registerReport,
];
