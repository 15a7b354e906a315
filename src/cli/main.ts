import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { ConfigError, MLGymError } from "../errors.js";
import { projectRoot } from "../runtime/paths.js";
import { commands } from "./commands/index.js";

/** The package's version, from its package.json (found from src/ under tsx and from dist/ alike). */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(projectRoot(), "package.json"), "utf8")) as {
    version?: unknown;
  };
  return typeof manifest.version === "string" ? manifest.version : "unknown";
}

let brokenPipesHandled = false;

/**
 * Ends the process quietly with code 0 when the reader of stdout or stderr has gone (`mlgym report ... | head`):
 * the reader wanted no more, as with any Unix tool killed by SIGPIPE (which Node ignores, raising EPIPE instead).
 */
export function exitQuietlyOnBrokenPipe(): void {
  if (brokenPipesHandled) return;
  brokenPipesHandled = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
  }
}

/**
 * Builds the `mlgym` program; every subcommand lives in its own file under `commands/`. Registering a command
 * (name, arguments, options, help) imports nothing heavy: each action imports the modules it needs when it runs,
 * so `mlgym report` never loads the model clients, the sandbox or the figure renderers it does not use, and
 * `--help` / `--version` start as fast as Node does.
 */
export function buildProgram(): Command {
  const program = new Command("mlgym")
    .description("A Gym environment and benchmark for AI research agents")
    .version(packageVersion(), "-V, --version", "print the version of mlgym")
    .option("--verbose", "print stack traces of errors")
    .enablePositionalOptions()
    .exitOverride()
    .showHelpAfterError();
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI and returns the process exit code: 0 ok, 1 failure, 2 bad input or configuration. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
      if (error.code === "commander.help") return 0;
      return 2;
    }
    const verbose = program.opts<{ verbose?: boolean }>().verbose === true || argv.includes("--verbose");
    if (error instanceof MLGymError) {
      process.stderr.write(`mlgym: ${error.name}: ${error.message}\n`);
      if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
      return error instanceof ConfigError ? 2 : 1;
    }
    process.stderr.write(
      `mlgym: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}
