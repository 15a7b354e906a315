import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ensurePythonRuntime } from "../../src/runtime/python-runtime.js";
import { TASKS_DIR } from "./catalogue.js";

// prepare.py's second source is the Hugging Face hub (the original's). It is tested offline: parquet files in the
// hub's layout (PNG bytes + label), built from Debian's idx files, served from a file:// URL.

const DEBIAN = "/usr/share/datasets/fashion-mnist";
const TASK = join(TASKS_DIR, "imageClassificationFMnist");

const MAKE_PARQUET = `
import io, sys
sys.path.insert(0, sys.argv[1])
import prepare
import pyarrow as pa, pyarrow.parquet as pq
from PIL import Image
flip = sys.argv[3] == "tamper"
for split, (images, labels) in prepare.from_idx_dir(prepare.DEBIAN_DIR).items():
    cells = []
    for image in images:
        buf = io.BytesIO()
        Image.fromarray(image, mode="L").save(buf, format="PNG")
        cells.append({"bytes": buf.getvalue(), "path": None})
    labels = labels.astype("int64")
    if flip and split == "test":
        labels[0] = (labels[0] + 1) % 10
    struct = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    table = pa.table({"image": pa.array(cells, type=struct), "label": pa.array(labels)})
    pq.write_table(table, f"{sys.argv[2]}/{split}-00000-of-00001.parquet")
`;

describe("Fashion-MNIST preparation from the Hugging Face layout", {
  skip: existsSync(DEBIAN) ? false : "needs Debian's dataset-fashion-mnist to build the parquet files",
}, () => {
  let root: string;
  let python: string;
  const run = (args: string[], env: Record<string, string>, cwd: string) =>
    spawnSync(python, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, timeout: 600_000 });
  const taskCopy = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(TASK, "prepare.py"), join(dir, "prepare.py"));
    return dir;
  };

  before(async () => {
    python = join((await ensurePythonRuntime()).binDir, "python");
    root = mkdtempSync(join(tmpdir(), "mlgym-fmnist-hf-"));
    for (const variant of ["good", "tamper"]) {
      mkdirSync(join(root, variant), { recursive: true });
      const r = run(["-c", MAKE_PARQUET, TASK, join(root, variant), variant], {}, root);
      assert.equal(r.status, 0, r.stderr);
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test("the hub's parquet files give the same data as Debian's idx files", () => {
    const dir = taskCopy("from-hub");
    const r = run(
      ["prepare.py"],
      { MLGYM_FASHION_MNIST_DIR: "/nonexistent", MLGYM_FASHION_MNIST_HF_URL: `file://${root}/good` },
      dir,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`prepared Fashion-MNIST from file://${root}/good`));
    const fromDebian = run(["prepare.py"], { MLGYM_FASHION_MNIST_DIR: DEBIAN }, taskCopy("from-debian"));
    assert.equal(fromDebian.status, 0, fromDebian.stderr);
    assert.equal(
      readFileSync(join(dir, "data", "answer.csv"), "utf8"),
      readFileSync(join(root, "from-debian", "data", "answer.csv"), "utf8"),
    );
    // Idempotent: a prepared folder is kept as it is.
    const again = run(
      ["prepare.py"],
      { MLGYM_FASHION_MNIST_DIR: "/nonexistent", MLGYM_FASHION_MNIST_HF_URL: "file:///nowhere" },
      dir,
    );
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, "");
  });

  test("data that does not match the digest is refused", () => {
    const dir = taskCopy("tampered");
    const r = run(
      ["prepare.py"],
      { MLGYM_FASHION_MNIST_DIR: "/nonexistent", MLGYM_FASHION_MNIST_HF_URL: `file://${root}/tamper` },
      dir,
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /Fashion-MNIST test split from .* has digest [0-9a-f]{64}, expected/);
    assert.equal(existsSync(join(dir, "data", "answer.csv")), false);
  });

  test("without any source it says where it looked", () => {
    const r = run(
      ["prepare.py"],
      { MLGYM_FASHION_MNIST_DIR: "/nonexistent", MLGYM_FASHION_MNIST_HF_URL: "file:///nowhere" },
      taskCopy("none"),
    );
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /cannot find Fashion-MNIST:\n {2}\/nonexistent: no such folder \(apt-get install dataset-fashion-mnist\)\n {2}file:\/\/\/nowhere: /,
    );
  });
});
