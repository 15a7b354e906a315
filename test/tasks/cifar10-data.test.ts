import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { taskDataDirs } from "../../src/config/data-cache.js";
import { loadTaskSpec } from "../../src/config/load-task.js";
import { findPythonRuntime } from "../../src/runtime/python-runtime.js";
import { fetchTaskData } from "../../src/tasks/data-fetch.js";
import { fileDigests } from "../../src/tasks/download.js";
import { builtinTasksDir } from "../../src/tasks/registry.js";

const PYTHON = findPythonRuntime() ? join(findPythonRuntime()!.binDir, "python") : "python3";
const TASK = join(builtinTasksDir(), "imageClassificationCifar10");

function python(code: string, args: string[] = [], cwd = TASK): string {
  const r = spawnSync(PYTHON, ["-c", code, ...args], { cwd, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/**
 * A tarball in the official format (cifar-10-batches-py/data_batch_1..5 and test_batch: pickled dicts with b'data',
 * uint8 N x 3072 in planes R, G, B, and b'labels'), with `n` images per batch whose pixel values encode where they are.
 */
function cifarTarball(dir: string, n: number): string {
  python(
    `import io, pickle, sys, tarfile
import numpy as np
n = int(sys.argv[2])
with tarfile.open(sys.argv[1], "w:gz") as tar:
    for b, name in enumerate(["data_batch_%d" % i for i in range(1, 6)] + ["test_batch"]):
        index = np.arange(n)[:, None]
        pixel = np.arange(3072)[None, :]
        data = ((index * 7 + b * 31 + pixel) % 251).astype(np.uint8)
        batch = {b"batch_label": b"batch", b"labels": [int((i + b) % 10) for i in range(n)], b"data": data,
                 b"filenames": [b"x.png"] * n}
        blob = pickle.dumps(batch, protocol=2)
        info = tarfile.TarInfo("cifar-10-batches-py/" + name)
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
`,
    [join(dir, "cifar-10-python.tar.gz"), String(n)],
  );
  return join(dir, "cifar-10-python.tar.gz");
}

/** Keys, dtypes and shapes (after the first axis) of a data folder's files, and the answer column. */
function layout(folder: string): string {
  return python(
    `import sys
import numpy as np
import pandas as pd
d = sys.argv[1]
for name in ("train", "test"):
    with np.load(f"{d}/{name}.npz") as f:
        print(name, sorted((k, str(f[k].dtype), f[k].shape[1:]) for k in f.files))
print("answer", list(pd.read_csv(f"{d}/answer.csv").columns))
`,
    [folder],
  );
}

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

test("convert.py turns the official batches into the small scale's format, pixels in place", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-cifar-"));
  const raw = join(dir, "raw");
  const out = join(dir, "out");
  mkdirSync(raw);
  mkdirSync(out);
  cifarTarball(raw, 4);
  const r = spawnSync(PYTHON, [join(TASK, "convert.py"), raw, out], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  // Image 1 of batch 2 (train index 5), pixel (row 3, column 5) of the green plane: offset 1024 + 3 * 32 + 5.
  const check = python(
    `import sys
import numpy as np
import pandas as pd
d = sys.argv[1]
train, test = np.load(f"{d}/train.npz"), np.load(f"{d}/test.npz")
print(train["images"].shape, test["images"].shape, train["labels"][:6].tolist())
print(int(train["images"][5, 3, 5, 1]), (1 * 7 + 1 * 31 + 1024 + 3 * 32 + 5) % 251)
print(pd.read_csv(f"{d}/answer.csv")["label"].tolist())
`,
    [out],
  );
  const [shapes, pixel, answers] = check.trim().split("\n");
  assert.equal(shapes, "(20, 32, 32, 3) (4, 32, 32, 3) [0, 1, 2, 3, 1, 2]");
  const [got, expected] = pixel!.split(" ");
  assert.equal(got, expected);
  assert.equal(answers, "[5, 6, 7, 8]");
  spawnSync(PYTHON, [join(TASK, "prepare.py")], { cwd: TASK });
  assert.equal(
    layout(out),
    layout(join(TASK, "data")),
    "the same files, keys, dtypes and shapes as prepare.py",
  );
});

test("convert.py refuses a pickle that builds anything but dicts, lists and arrays", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-cifar-evil-"));
  python(
    `import io, os, pickle, sys, tarfile
class Evil:
    def __reduce__(self):
        return (os.system, ("echo owned > " + sys.argv[2],))
blob = pickle.dumps({b"data": Evil(), b"labels": []}, protocol=2)
with tarfile.open(sys.argv[1], "w:gz") as tar:
    info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
    info.size = len(blob)
    tar.addfile(info, io.BytesIO(blob))
`,
    [join(dir, "cifar-10-python.tar.gz"), join(dir, "owned")],
  );
  mkdirSync(join(dir, "out"));
  const r = spawnSync(PYTHON, [join(TASK, "convert.py"), dir, join(dir, "out")], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /unexpected object posix\.system in a CIFAR-10 batch/);
  assert.throws(() => readFileSync(join(dir, "owned")));
});

test("the full scale fetches over HTTP, converts with the task's converter and loads from the data cache", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mlgym-cifar-full-"));
  const tarball = cifarTarball(dir, 3);
  const content = readFileSync(tarball);
  const server = createServer((_req, res) => res.end(content));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  // The task as shipped, with its source pointed at the loopback server and the small tarball's digests.
  const task = join(dir, "imageClassificationCifar10");
  cpSync(TASK, task, { recursive: true, filter: (src) => !src.includes(`${TASK}/data/`) });
  const digests = await fileDigests(tarball);
  const fetchYaml = readFileSync(join(task, "fetch.yaml"), "utf8")
    .replace(/url: .*/, `url: http://127.0.0.1:${port}/cifar-10-python.tar.gz`)
    .replace(/md5: .*/, `md5: ${digests.md5}`)
    .replace(/bytes: .*/, `bytes: ${digests.bytes}`);
  writeFileSync(join(task, "fetch.yaml"), fetchYaml);
  process.env.MLGYM_DATA_DIR = join(dir, "cache");
  const marker = await fetchTaskData("imageClassificationCifar10", join(task, "task.yaml"), {
    python: PYTHON,
  });
  assert.equal(marker.sources[0]?.md5, digests.md5);
  const spec = loadTaskSpec(join(task, "task.yaml"), { scale: "full" });
  assert.equal(spec.datasets[0]?.localPath, taskDataDirs("imageClassificationCifar10").data);
  assert.equal(spec.config.gpus, 1);
  assert.match(spec.description, /60,000 32x32 colour photographs/);
  assert.equal(spec.sampleSubmission, join(task, "full", "sample_submission.csv"));
  assert.match(
    layout(spec.datasets[0]!.localPath!),
    /train \[\('images', 'uint8', \(32, 32, 3\)\), \('labels', 'uint8', \(\)\)\]/,
  );
});
