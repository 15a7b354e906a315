import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, statSync, truncateSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MLGymError } from "../errors.js";

/** A download, a digest or a size that failed: what went wrong and with which file. */
export class DataFetchError extends MLGymError {
  override name = "DataFetchError";
}

/** Bytes of a file done so far, and of the whole file when known. */
export type ProgressListener = (done: number, total: number | undefined) => void;

/** How a download retries a cut connection. */
export interface DownloadOptions {
  /** Expected size: a server that says otherwise is an error. */
  bytes?: number | null;
  onProgress?: ProgressListener;
  /** Attempts in all (each resumes where the last one stopped); default 6. */
  attempts?: number;
  /** First wait between attempts, doubled each time; default 1000 ms. */
  retryDelayMs?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Downloads `url` into `file`, resuming what `file` already holds with an HTTP Range request (a server that ignores
 * it sends the whole file, which then replaces it). A cut connection is retried from where it stopped; the file is
 * complete when the server's length is reached.
 */
export async function downloadResumable(
  url: string,
  file: string,
  options: DownloadOptions = {},
): Promise<void> {
  const attempts = options.attempts ?? 6;
  let delay = options.retryDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await downloadOnce(url, file, options);
      return;
    } catch (error) {
      // Only a transfer that may succeed on a retry is retried: not a 404, not an abort.
      const retryable =
        !(error instanceof DataFetchError) || (error.cause as { retryable?: boolean })?.retryable;
      if (!retryable || attempt >= attempts || options.signal?.aborted) {
        if (error instanceof DataFetchError) throw error;
        throw new DataFetchError(
          `downloading ${url} failed after ${attempt} attempt(s): ${describe(error)}`,
          {
            cause: error,
          },
        );
      }
      await sleep(delay);
      delay *= 2;
    }
  }
}

function describe(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

async function downloadOnce(url: string, file: string, options: DownloadOptions): Promise<void> {
  const have = existsSync(file) ? statSync(file).size : 0;
  if (options.bytes && have === options.bytes) return;
  if (options.bytes && have > options.bytes) truncateSync(file, 0);
  const from = options.bytes && have > options.bytes ? 0 : have;
  const init: RequestInit = from > 0 ? { headers: { Range: `bytes=${from}-` } } : {};
  if (options.signal) init.signal = options.signal;
  const response = await fetch(url, init);
  if (response.status === 416 && from > 0) {
    // Nothing left to send: the file is as long as the server's.
    await response.body?.cancel();
    return;
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new DataFetchError(
      `downloading ${url}: the server answered ${response.status} ${response.statusText}`,
      {
        cause: { retryable: response.status >= 500 || response.status === 429 },
      },
    );
  }
  const resumed = response.status === 206;
  const start = resumed ? from : 0;
  const rest = Number(response.headers.get("content-length") ?? Number.NaN);
  const total = Number.isFinite(rest) ? start + rest : (options.bytes ?? undefined);
  if (options.bytes && total !== undefined && total !== options.bytes) {
    await response.body.cancel();
    throw new DataFetchError(
      `downloading ${url}: the server sends ${total} bytes, the task expects ${options.bytes} (a changed file?)`,
    );
  }
  let done = start;
  options.onProgress?.(done, total);
  const counted = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream<Uint8Array>);
  counted.on("data", (chunk: Buffer) => {
    done += chunk.length;
    options.onProgress?.(done, total);
  });
  await pipeline(counted, createWriteStream(file, { flags: resumed ? "a" : "w" }));
  if (total !== undefined && done < total) throw new Error(`connection closed at ${done} of ${total} bytes`);
}

/** Hex digests of a file, streamed. */
export async function fileDigests(file: string): Promise<{ sha256: string; md5: string; bytes: number }> {
  const sha256 = createHash("sha256");
  const md5 = createHash("md5");
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    sha256.update(chunk as Buffer);
    md5.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: sha256.digest("hex"), md5: md5.digest("hex"), bytes };
}
