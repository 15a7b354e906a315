import type { Command } from "commander";
import { numberOption } from "../options.js";

interface WorkerFlags {
  queue: string;
  concurrency: string;
  gpus?: string;
  lockDuration: string;
}

/**
 * `mlgym worker`: takes episodes of distributed batches (`mlgym batch --queue`) from Redis and runs them until
 * stopped; SIGTERM or Ctrl-C stops it gracefully (running episodes go back to the queue for other workers).
 */
export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run episodes of distributed batches queued in Redis (mlgym batch --queue), until stopped")
    .requiredOption(
      "--queue <url>",
      "Redis URL: redis://[user:password@]host:port[/db], rediss://... for TLS",
    )
    .option("--concurrency <k>", "episodes at once", "1")
    .option("--gpus <ids>", "device ids this worker hands out, e.g. 0,1; no two running episodes share one")
    .option(
      "--lock-duration <ms>",
      "how soon an episode of a worker that died is run again elsewhere (its lock's lifetime, renewed while it runs)",
      "30000",
    )
    .action(async (flags: WorkerFlags) => {
      const { startWorker, shownRedisUrl, EPISODE_QUEUE, QueueUnreachableError } = await import(
        "../../batch/queue.js"
      );
      const concurrency = numberOption(flags.concurrency, "--concurrency", 1)!;
      const lockDurationMs = numberOption(flags.lockDuration, "--lock-duration", 100)!;
      const devices = flags.gpus
        ? flags.gpus
            .split(",")
            .map((d) => d.trim())
            .filter(Boolean)
        : [];
      const say = (line: string) => process.stdout.write(`mlgym worker: ${line}\n`);
      let worker: Awaited<ReturnType<typeof startWorker>>;
      try {
        worker = await startWorker({
          redisUrl: flags.queue,
          concurrency: Math.floor(concurrency),
          devices,
          lockDurationMs,
          log: say,
        });
      } catch (error) {
        if (!(error instanceof QueueUnreachableError)) throw error;
        process.stderr.write(`mlgym: ${error.message}\n`);
        process.exitCode = (await import("../episode-output.js")).EXIT_INFRASTRUCTURE;
        return;
      }
      say(
        `${worker.name} takes episodes from ${shownRedisUrl(flags.queue)} (queue ${EPISODE_QUEUE}), ${concurrency} at once${devices.length ? `, devices ${devices.join(",")}` : ""}; SIGTERM or Ctrl-C stops it`,
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals) => {
          // A second signal while the episodes are being released quits at once: their locks expire and
          // another worker runs them again.
          if (stopping) process.exit(signal === "SIGINT" ? 130 : 143);
          stopping = true;
          say(
            worker.running > 0
              ? `${signal}: stopping; releasing ${worker.running} running episode(s) to other workers`
              : `${signal}: stopping`,
          );
          void worker.close().then(() => {
            process.off("SIGINT", onSignal);
            process.off("SIGTERM", onSignal);
            resolve();
          });
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
      });
      say("stopped");
    });
}
