import { statSync } from "node:fs";
import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { numberOption } from "../options.js";

interface ViewCliOptions {
  port: string;
  host: string;
  token?: string;
}

/** `mlgym view <runs-dir>`: a local web page to browse runs, follow running ones and compare two. */
export function registerView(program: Command): void {
  program
    .command("view")
    .description("browse, follow live and compare runs in a local web page")
    .argument("<runs-dir>", "folder of run folders (ours or the original's), or one run folder")
    .option("--port <n>", "port to listen on (0: any free port)", "8080")
    .option("--host <address>", "address to listen on; any other than loopback needs --token", "127.0.0.1")
    .option(
      "--token <secret>",
      "token the page must carry (required when --host is not loopback; also MLGYM_VIEW_TOKEN)",
    )
    .action(async (runsDir: string, opts: ViewCliOptions) => {
      if (!statSync(runsDir, { throwIfNoEntry: false })?.isDirectory())
        throw new ConfigError("runs directory not found", { file: runsDir });
      const { isLoopback, startViewServer } = await import("../../view/server.js");
      const token = opts.token ?? process.env.MLGYM_VIEW_TOKEN;
      if (!isLoopback(opts.host) && !token)
        throw new ConfigError(`listening on '${opts.host}' (not loopback) needs a token`, {
          field: "--token",
        });
      const server = await startViewServer({
        root: runsDir,
        host: opts.host,
        port: numberOption(opts.port, "--port")!,
        ...(token ? { token } : {}),
      });
      process.stderr.write(
        `mlgym view: ${server.index.root} (indexing in the background; the list fills as runs are read)\nopen ${server.url}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGTERM", stop);
          process.off("SIGINT", stop);
          void server.close().then(resolve);
        };
        process.on("SIGTERM", stop);
        process.on("SIGINT", stop);
      });
    });
}
