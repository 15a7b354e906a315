import type { Command } from "commander";
import { collect, DATA_ROOT_HELP, dataRoots, numberOption } from "../options.js";

interface ServeCliOptions {
  port: string;
  host: string;
  maxEnvs: string;
  maxSnapshots: string;
  defaultTask?: string;
  token?: string;
  tasks?: string[];
  tasksDir?: string[];
  dataRoot?: string[];
  sandbox?: string;
  idleTimeout: string;
  maxSteps: string;
  output: string;
}

/** `mlgym serve`: environments over OpenEnv's WebSocket protocol and an HTTP API, for RL trainers. */
export function registerServe(program: Command): void {
  program
    .command("serve")
    .description(
      "serve environments to trainers: OpenEnv's protocol (WebSocket /ws, /health, /schema, /mcp) and an HTTP API (/api/v1)",
    )
    .option("--port <n>", "port to listen on (0: any free port)", "8000")
    .option("--host <address>", "address to listen on; any other than loopback needs --token", "127.0.0.1")
    .option(
      "--max-envs <n>",
      "live environments (sandboxes) at most; more connections get CAPACITY_REACHED",
      "8",
    )
    .option(
      "--max-snapshots <n>",
      "snapshots held at once (deleted when the server stops); more get CAPACITY_REACHED",
      "64",
    )
    .option(
      "--token <secret>",
      "bearer token clients must send (required when --host is not loopback; also MLGYM_SERVE_TOKEN)",
    )
    .option(
      "--tasks <ids>",
      "tasks clients may choose, comma-separated (repeatable; default: every task found)",
      collect,
    )
    .option(
      "--default-task <id>",
      "the task of requests that name none (OpenEnv's MCP tool client cannot), when several are served",
    )
    .option("--tasks-dir <dir>", "an extra folder with task YAML files (repeatable)", collect)
    .option("--data-root <dir>", DATA_ROOT_HELP, collect)
    .option("--sandbox <backend>", "local, bwrap, docker or podman (default: bwrap where it works)")
    .option("--idle-timeout <seconds>", "close environments that received no request for this long", "600")
    .option("--max-steps <n>", "steps per episode unless the client sets max_steps", "50")
    .option("--output <dir>", "folder of the episodes' trajectories (<task>__<episode_id>/)", "runs/serve")
    .action(async (opts: ServeCliOptions) => {
      const [{ startServer }, { packageVersion }] = await Promise.all([
        import("../../serve/server.js"),
        import("../main.js"),
      ]);
      const tasks = opts.tasks
        ?.flatMap((t) => t.split(","))
        .map((t) => t.trim().replace(/^mlgym\//, ""))
        .filter(Boolean);
      const server = await startServer({
        host: opts.host,
        port: numberOption(opts.port, "--port")!,
        maxEnvs: numberOption(opts.maxEnvs, "--max-envs", 1)!,
        maxSnapshots: numberOption(opts.maxSnapshots, "--max-snapshots", 1)!,
        token: opts.token ?? process.env.MLGYM_SERVE_TOKEN,
        ...(tasks ? { tasks } : {}),
        ...(opts.defaultTask ? { defaultTask: opts.defaultTask } : {}),
        tasksDirs: opts.tasksDir ?? [],
        dataRoots: dataRoots(opts.dataRoot),
        ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
        idleTimeoutS: numberOption(opts.idleTimeout, "--idle-timeout", 1)!,
        defaultMaxSteps: numberOption(opts.maxSteps, "--max-steps", 1)!,
        outputDir: opts.output,
        version: packageVersion(),
      });
      process.stderr.write(
        `mlgym serve: listening on ${server.url} (WebSocket ${server.url.replace(/^http/, "ws")}/ws; ${server.manager.taskIds.length} tasks; at most ${server.manager.options.maxEnvs} environments; trajectories in ${opts.output})\n`,
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        // `on`, not `once`: other signal handlers (the sandboxes' mount cleanup) step aside while this one is registered.
        const stop = (signal: NodeJS.Signals) => {
          if (stopping) process.exit(signal === "SIGINT" ? 130 : 143);
          stopping = true;
          process.stderr.write(`mlgym serve: ${signal}: closing ${server.manager.size} environments\n`);
          void server.close("shutdown").then(() => {
            process.off("SIGTERM", stop);
            process.off("SIGINT", stop);
            resolve();
          });
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      });
      process.stderr.write("mlgym serve: stopped\n");
    });
}
