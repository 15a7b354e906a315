import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { taskDataDirs } from "../../src/config/data-cache.js";
import { loadTaskSpec } from "../../src/config/load-task.js";
import { findPythonRuntime } from "../../src/runtime/python-runtime.js";
import { fetchTaskData } from "../../src/tasks/data-fetch.js";
import { DataFetchError } from "../../src/tasks/download.js";
import { mlgym, mlgymAsync } from "../helpers/cli.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";

const PYTHON = findPythonRuntime() ? join(findPythonRuntime()!.binDir, "python") : "python3";
/** 300 kB that differ byte by byte, so a resumed download joined at the wrong place fails its digest. */
const CONTENT = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 8)) % 256));
const SHA256 = createHash("sha256").update(CONTENT).digest("hex");

/** A converter in the real contract: `python convert.py <raw dir> <out dir>`, reading the raw file, writing data. */
const CONVERT = `import hashlib, pathlib, sys
raw, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
blob = (raw / "blob.bin").read_bytes()
(out / "summary.txt").write_text(f"{len(blob)} {hashlib.sha256(blob).hexdigest()}\\n")
`;

/**
 * A loopback server for blob.bin that honours Range; the first `cuts` full requests are cut halfway, once the client
 * has written some of what it received to `partFile()` (so that the cut leaves something to resume from).
 */
function serve(
  cuts: number,
  partFile: () => string = () => "",
): Promise<{ url: string; requests: Array<string | undefined>; server: Server }> {
  const requests: Array<string | undefined> = [];
  let cut = cuts;
  const server = createServer((req: IncomingMessage, res) => {
    requests.push(req.headers.range);
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const body = CONTENT.subarray(start);
    res.writeHead(range ? 206 : 200, {
      "content-length": body.length,
      ...(range ? { "content-range": `bytes ${start}-${CONTENT.length - 1}/${CONTENT.length}` } : {}),
    });
    if (!range && cut-- > 0) {
      res.write(body.subarray(0, 120_000), async () => {
        for (let i = 0; i < 200 && !(existsSync(partFile()) && statSync(partFile()).size > 0); i++)
          await new Promise((r) => setTimeout(r, 50));
        res.socket?.destroy();
      });
      return;
    }
    res.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/blob.bin`, requests, server });
    }),
  );
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

/** A task folder (tinyCsv's YAML) with a fetch.yaml for `url` and the converter; the data cache in a temp folder. */
function taskWithFetch(url: string, sha256: string | null, bytes: number | null = CONTENT.length): string {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-fetch-"));
  const task = join(dir, "tasks", "fetchy");
  cpSync(join(FIXTURE_TASKS, "tinyCsv"), task, { recursive: true });
  writeFileSync(
    join(task, "task.yaml"),
    readFileSync(join(task, "task.yaml"), "utf8")
      .replace("id: tinyCsv", "id: fetchy")
      .concat("scales:\n  full:\n    dataset_configs: [dataset.full.yaml]\n"),
  );
  writeFileSync(
    join(task, "dataset.full.yaml"),
    "name: full\ndescription: full data\ndata_path: mlgym-data:fetchy\nis_local: true\n",
  );
  writeFileSync(
    join(task, "fetch.yaml"),
    `sources:\n  - url: ${url}\n    sha256: ${sha256 ? `"${sha256}"` : "null"}\n    bytes: ${bytes ?? "null"}\n    file: blob.bin\nconvert: convert.py\nlocal_hint: a folder holding blob.bin\n`,
  );
  writeFileSync(join(task, "convert.py"), CONVERT);
  process.env.MLGYM_DATA_DIR = join(dir, "cache");
  return join(task, "task.yaml");
}

test("a cut connection is resumed with a Range request; the data is converted, verified and marked complete", async () => {
  const { url, requests, server } = await serve(1, () => join(taskDataDirs("fetchy").raw, "blob.bin.part"));
  servers.push(server);
  const taskFile = taskWithFetch(url, SHA256);
  const progress: number[] = [];
  const marker = await fetchTaskData("fetchy", taskFile, {
    python: PYTHON,
    retryDelayMs: 10,
    onProgress: (_file, done) => progress.push(done),
  });
  // The second request asks for the rest of what arrived before the cut.
  assert.equal(requests.length, 2);
  assert.equal(requests[0], undefined);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(requests[1] ?? "")?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= 120_000, `resumed at ${requests[1]}`);
  assert.ok(
    progress.includes(resumedAt) && progress.at(-1) === CONTENT.length,
    "progress counts both attempts",
  );
  const dirs = taskDataDirs("fetchy");
  assert.deepEqual(readFileSync(join(dirs.raw, "blob.bin")), CONTENT);
  assert.equal(readFileSync(join(dirs.data, "summary.txt"), "utf8"), `${CONTENT.length} ${SHA256}\n`);
  assert.equal(marker.sources[0]?.sha256, SHA256);
  assert.equal(JSON.parse(readFileSync(dirs.marker, "utf8")).sources[0].sha256, SHA256);
  // A second fetch finds the verified file and downloads nothing.
  await fetchTaskData("fetchy", taskFile, { python: PYTHON });
  assert.equal(requests.length, 2);
});

test("a file with the wrong digest is refused, deleted and nothing is marked complete", async () => {
  const { url, server } = await serve(0);
  servers.push(server);
  const taskFile = taskWithFetch(url, "0".repeat(64));
  await assert.rejects(
    fetchTaskData("fetchy", taskFile, { python: PYTHON, retryDelayMs: 10 }),
    (e: unknown) => e instanceof DataFetchError && /sha256 [0-9a-f]{64}, expected 0{64}/.test(e.message),
  );
  const dirs = taskDataDirs("fetchy");
  assert.equal(existsSync(dirs.marker), false);
  assert.equal(existsSync(dirs.data), false);
  assert.deepEqual(readdirSync(dirs.raw), [], "neither the file nor a part to resume is kept");
});

test("mlgym data fetch --from takes a local folder (no network); status reports it; the full scale then loads", async () => {
  // Nothing listens on this port: a download would fail.
  const taskFile = taskWithFetch("http://127.0.0.1:9/blob.bin", null);
  const tasksDir = join(taskFile, "..", "..");
  const env = { MLGYM_DATA_DIR: process.env.MLGYM_DATA_DIR! };
  const before = mlgym(["data", "status", "--tasks-dir", tasksDir], { env });
  assert.match(before.stdout, /fetchy +full +missing .*mlgym data fetch fetchy/);
  const local = mkdtempSync(join(tmpdir(), "mlgym-local-"));
  writeFileSync(join(local, "blob.bin"), CONTENT.subarray(1));
  const short = mlgym(["data", "fetch", "fetchy", "--from", local, "--tasks-dir", tasksDir], { env });
  assert.equal(short.code, 1, short.stderr);
  assert.match(short.stderr, /not the expected blob\.bin: size 299999, expected 300000/);
  writeFileSync(join(local, "blob.bin"), CONTENT);
  const r = await mlgymAsync(["data", "fetch", "fetchy", "--from", local, "--tasks-dir", tasksDir], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /fetchy: data ready in /);
  const marker = JSON.parse(readFileSync(taskDataDirs("fetchy").marker, "utf8"));
  assert.equal(marker.sources[0].from, join(local, "blob.bin"));
  const status = mlgym(["data", "status", "--tasks-dir", tasksDir, "--json"], { env });
  const rows = JSON.parse(status.stdout) as Array<{
    taskId: string;
    scale: string;
    status: string;
    bytes: number;
  }>;
  const full = rows.find((row) => row.taskId === "fetchy" && row.scale === "full");
  assert.equal(full?.status, "present");
  assert.equal(full?.bytes, `${CONTENT.length} ${SHA256}\n`.length);
  assert.equal(loadTaskSpec(taskFile, { scale: "full" }).datasets[0]?.localPath, taskDataDirs("fetchy").data);
  const missing = mlgym(["data", "fetch", "fetchy", "--from", join(local, "nope"), "--tasks-dir", tasksDir], {
    env,
  });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--from: '.*nope' does not exist/);
});

test("an unverified source (the publisher gives no digest) is downloaded, its sha256 printed and recorded; a source with neither digest, size nor 'unverified' is a config error", async () => {
  const { url, server } = await serve(0);
  servers.push(server);
  const taskFile = taskWithFetch(url, null, null);
  await assert.rejects(
    fetchTaskData("fetchy", taskFile, { python: PYTHON }),
    (e: unknown) => e instanceof Error && /sources\.0\.bytes.*or 'unverified: true'/s.test(e.message),
  );
  const fetchFile = join(taskFile, "..", "fetch.yaml");
  writeFileSync(
    fetchFile,
    readFileSync(fetchFile, "utf8").replace("    file: blob.bin", "    unverified: true\n    file: blob.bin"),
  );
  const lines: string[] = [];
  const marker = await fetchTaskData("fetchy", taskFile, { python: PYTHON, log: (l) => lines.push(l) });
  assert.equal(marker.sources[0]?.sha256, SHA256);
  assert.equal(marker.sources[0]?.unverified, true);
  assert.ok(
    lines.some(
      (l) =>
        l ===
        `blob.bin: NOT verified (the publisher gives no digest or size to check it against); ${CONTENT.length} bytes, sha256 ${SHA256} (recorded in the .complete marker)`,
    ),
    lines.join("\n"),
  );
  assert.equal(
    readFileSync(join(taskDataDirs("fetchy").data, "summary.txt"), "utf8"),
    `${CONTENT.length} ${SHA256}\n`,
  );
});

test("naturalLanguageInferenceMNLI's full scale: data fetch --from a folder in the publishers' layout converts it into the task's format", async () => {
  const cache = mkdtempSync(join(tmpdir(), "mlgym-mnli-cache-"));
  const env = { MLGYM_DATA_DIR: cache };
  const small = join("tasks", "naturalLanguageInferenceMNLI", "data");
  const raw = mkdtempSync(join(tmpdir(), "mlgym-mnli-raw-"));
  // The small scale's files have the columns of the Hugging Face files; the weights file is only copied.
  cpSync(join(small, "train.parquet"), join(raw, "train-00000-of-00001.parquet"));
  cpSync(join(small, "validation_matched.parquet"), join(raw, "validation_matched-00000-of-00001.parquet"));
  cpSync(join(small, "pretrained", "config.json"), join(raw, "config.json"));
  cpSync(join(small, "pretrained", "vocab.txt"), join(raw, "vocab.txt"));
  writeFileSync(join(raw, "model.safetensors"), "weights");
  const r = await mlgymAsync(["data", "fetch", "naturalLanguageInferenceMNLI", "--from", raw], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /model\.safetensors: NOT verified/);
  const data = join(cache, "naturalLanguageInferenceMNLI", "data");
  assert.deepEqual(readdirSync(data).sort(), ["pretrained", "train.parquet", "validation_matched.parquet"]);
  assert.deepEqual(readdirSync(join(data, "pretrained")).sort(), [
    "config.json",
    "model.safetensors",
    "vocab.txt",
  ]);
  const status = mlgym(["data", "status", "--json"], { env });
  const rows = JSON.parse(status.stdout) as Array<{ taskId: string; scale: string; status: string }>;
  assert.equal(
    rows.find((row) => row.taskId === "naturalLanguageInferenceMNLI" && row.scale === "full")?.status,
    "present",
  );
});
