import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";
import { runName, sharedDir, tempDir, writeTree } from "./helpers.js";

test("mlgym report writes the original's five tables for the reference runs", async () => {
  const out = join(await tempDir(), "out");
  const code = await main([
    "report",
    join(sharedDir, "reference/mlgym-results"),
    "--out",
    out,
    "--format",
    "csv",
  ]);
  assert.equal(code, 0);
  assert.deepEqual((await readdir(out)).sort(), [
    "aup_scores.csv",
    "best_ranks.csv",
    "best_scores.csv",
    "last_ranks.csv",
    "last_scores.csv",
    "models.csv",
  ]);
  const expected = await readFile(join(sharedDir, "reference/expected-tables/best_scores.csv"), "utf8");
  assert.equal(await readFile(join(out, "best_scores.csv"), "utf8"), expected);
});

test("mlgym report: --tasks-meta, --models, --bootstrap and --compare", async () => {
  const root = await tempDir();
  await writeTree(root, {
    [`${runName("m1", "tinyTask", 0)}/results.json`]: { agent: [{ err: 0.3 }], baseline: { err: 0.5 } },
    [`${runName("m2", "tinyTask", 0)}/results.json`]: { agent: [{ err: 0.2 }], baseline: { err: 0.5 } },
  });
  const meta = join(root, "tasks.yaml");
  await writeFile(
    meta,
    "tinyTask:\n  name: Tiny\n  priority_metric: err\n  metric_directions: {err: minimize}\n",
  );
  const out = join(root, "out");
  const args = [
    "report",
    root,
    "--out",
    out,
    "--format",
    "csv,json",
    "--tasks-meta",
    meta,
    "--models",
    "m2,m1",
  ];
  assert.equal(await main([...args, "--bootstrap", "20", "--seed", "5", "--compare", "m2,m1"]), 0);
  assert.equal(
    await readFile(join(out, "best_scores.csv"), "utf8"),
    "Task,baseline,m2,m1\nTiny,0.5,0.2,0.3\n",
  );
  const json = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
  assert.deepEqual(json.scores.bootstrap, { replicates: 20, seed: 5 });
  assert.equal(json.scores.comparisons[0].best.wins, 1);
});

test("mlgym report: bad input exits with 2", async () => {
  const root = await tempDir();
  assert.equal(await main(["report", join(root, "missing")]), 2);
  assert.equal(await main(["report", root, "--format", "csv,gif"]), 2);
  assert.equal(await main(["report", root, "--out", join(root, "o")]), 2, "no runs of known tasks");
  await writeTree(root, { [`${runName("m1", "blotto", 0)}/results.json`]: { agent: [{ Score: 0.1 }] } });
  assert.equal(
    await main(["report", root, "--compare", "m1,nobody", "--format", "csv", "--out", join(root, "o")]),
    2,
  );
  assert.equal(await main(["report", root, "--bootstrap", "-1"]), 2);
});

test("mlgym report's AUP lines keep a long model id apart from its AUP", async () => {
  const root = await tempDir();
  const model = "scripted-a-model-id-longer-than-24-chars";
  await writeTree(root, {
    [`${runName(model, "blotto", 0)}/results.json`]: { agent: [{ Score: 0.3 }], baseline: { Score: 0.1 } },
  });
  const { spawnSync } = await import("node:child_process");
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "../../src/cli/entry.ts"),
      "report",
      root,
      "--out",
      join(root, "out"),
      "--format",
      "csv",
    ],
    { encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.split("\n").find((l) => l.startsWith(model));
  assert.match(line ?? "", new RegExp(`^${model}\\s{2,}\\d`), r.stdout);
});
