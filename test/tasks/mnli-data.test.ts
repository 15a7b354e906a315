import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { loadTaskSpec } from "../../src/config/load-task.js";
import { ensurePythonRuntime } from "../../src/runtime/python-runtime.js";
import { runPrepareScript } from "../../src/tasks/prepare.js";
import { taskYaml } from "./catalogue.js";

const TASK = "naturalLanguageInferenceMNLI";

/** Columns, dtypes and label counts of a parquet file, read with pandas. */
const DESCRIBE = `import json, sys
import pandas as pd
frame = pd.read_parquet(sys.argv[1], use_threads=False, pre_buffer=False)
print(json.dumps({"columns": {c: str(t) for c, t in frame.dtypes.items()},
                  "labels": {str(k): int(v) for k, v in frame["label"].value_counts().sort_index().items()}}))
`;

describe("naturalLanguageInferenceMNLI data", { timeout: 600_000 }, () => {
  const spec = loadTaskSpec(taskYaml(TASK));
  const dataDir = join(dirname(spec.file), "data");

  async function python(args: string[]) {
    const bin = join((await ensurePythonRuntime()).binDir, "python");
    return spawnSync(bin, args, { encoding: "utf8" });
  }

  async function describeParquet(path: string) {
    const run = await python(["-c", DESCRIBE, path]);
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout) as { columns: Record<string, string>; labels: Record<string, number> };
  }

  test("prepare.py writes the multi_nli columns and a BERT model folder to start from", async () => {
    runPrepareScript(spec, (await ensurePythonRuntime()).binDir);
    for (const split of ["train", "validation_matched"]) {
      const { columns, labels } = await describeParquet(join(dataDir, `${split}.parquet`));
      assert.deepEqual(columns, {
        promptID: "int32",
        pairID: "object",
        premise: "object",
        hypothesis: "object",
        genre: "object",
        label: "int64",
      });
      assert.deepEqual(Object.keys(labels), ["0", "1", "2"], split);
      for (const count of Object.values(labels))
        assert.ok(count > 200, `${split}: ${JSON.stringify(labels)}`);
    }
    const vocab = readFileSync(join(dataDir, "pretrained", "vocab.txt"), "utf8").split("\n");
    assert.deepEqual(vocab.slice(0, 5), ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
    const config = JSON.parse(readFileSync(join(dataDir, "pretrained", "config.json"), "utf8"));
    assert.equal(config.model_type, "bert");
    assert.equal(config.vocab_size, vocab.filter((l) => l).length);
  });

  test("convert.py turns the Hugging Face files into the task's layout, and names what is missing", async () => {
    const work = mkdtempSync(join(tmpdir(), "mlgym-mnli-convert-"));
    try {
      const raw = join(work, "raw");
      mkdirSync(raw);
      copyFileSync(join(dataDir, "train.parquet"), join(raw, "train-00000-of-00001.parquet"));
      copyFileSync(
        join(dataDir, "validation_matched.parquet"),
        join(raw, "validation_matched-00000-of-00001.parquet"),
      );
      copyFileSync(join(dataDir, "pretrained", "config.json"), join(raw, "config.json"));
      copyFileSync(join(dataDir, "pretrained", "vocab.txt"), join(raw, "vocab.txt"));
      const convert = join(dirname(spec.file), "convert.py");

      const missing = await python([convert, raw, join(work, "out")]);
      assert.notEqual(missing.status, 0);
      assert.match(missing.stderr, /missing in .*model\.safetensors/);

      writeFileSync(join(raw, "model.safetensors"), "weights");
      const ok = await python([convert, raw, join(work, "out")]);
      assert.equal(ok.status, 0, ok.stderr);
      const { columns } = await describeParquet(join(work, "out", "validation_matched.parquet"));
      assert.deepEqual(Object.keys(columns), [
        "promptID",
        "pairID",
        "premise",
        "hypothesis",
        "genre",
        "label",
      ]);
      for (const name of ["config.json", "vocab.txt", "model.safetensors"])
        assert.ok(existsSync(join(work, "out", "pretrained", name)), name);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
