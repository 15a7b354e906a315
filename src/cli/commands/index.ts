import type { Command } from "commander";
import { registerReport } from "./report.js";

/** Every CLI subcommand, in help order. Adding a command = one file + one line here. */
export const commands: Array<(program: Command) => void> = [registerReport];
