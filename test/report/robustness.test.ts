import assert from "node:assert/strict";
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";
import { dataTauMax, linspace, performanceRatios, profileOnGrid } from "../../src/metrics/profiles.js";
import { buildReport } from "../../src/report/build-report.js";
import { writeReport } from "../../src/report/write-report.js";
import { runName, tempDir, writeTree } from "./helpers.js";

const ALL = ["csv", "json", "md", "html", "svg", "png"] as const;

test("a score that differs from the baseline by float noise gives a full report (it aborted V8 before)", async () => {
  const root = await tempDir();
  await writeTree(root, {
    [`${runName("m1", "regressionKaggleHousePrice", 0)}/results.json`]:
      '{"agent": [{"r2": 0.8799891474739243}, {"r2": 0.8799891474739243}], "baseline": {"r2": 0.8799891474739241}}',
    [`${runName("m2", "regressionKaggleHousePrice", 0)}/results.json`]:
      '{"agent": [{"r2": 0.8799891474739241}], "baseline": {"r2": 0.8799891474739241}}',
  });
  const out = join(root, "out");
  assert.equal(await main(["report", root, "--out", out]), 0);
  const files = await readdir(join(out, "figures"));
  assert.ok(files.includes("score_trail_regressionKaggleHousePrice.png"), files.join(","));
  assert.ok(files.includes("performance_profiles.svg"));
  assert.match(await readFile(join(out, "best_scores.csv"), "utf8"), /House Price,0.88,0.88,0.88/);
});

test("ratios and profiles stay defined for extreme and degenerate scores", () => {
  const cases: Array<[number[], number]> = [
    [[0.8799891474739241, 0.8799891474739243], 0.8799891474739241],
    [[1e308, 1e-308, 5e-324], 1e-300],
    [[0, -0, 0], 0],
    [[-1, -2, Number.NaN], -3],
    [[Number.POSITIVE_INFINITY, 1, Number.NEGATIVE_INFINITY], 0.5],
    [[Number.MAX_VALUE, Number.MAX_VALUE / 3], 0],
  ];
  for (const direction of ["maximize", "minimize"] as const) {
    for (const [scores, baseline] of cases) {
      const { ratios, bound } = performanceRatios({ scores, baseline, direction });
      for (const r of ratios)
        assert.ok(r >= 1 || r === Number.POSITIVE_INFINITY, `${scores} ${direction}: ${r}`);
      assert.ok(bound === undefined || (Number.isInteger(bound) && bound >= 2), String(bound));
      const taus = linspace(0, dataTauMax([bound]), 500);
      assert.ok(taus.every(Number.isFinite) && (taus.at(-1) ?? 0) > 0);
      const { aup } = profileOnGrid([{ scores, baseline, direction }], taus);
      for (const a of aup) assert.ok(Number.isFinite(a) && a >= 0, `${scores}: aup ${a}`);
    }
  }
  // The best method is at ratio 1 even when the best score is 0 (0/0 is not "never reached").
  assert.deepEqual(performanceRatios({ scores: [0, 2], baseline: 3, direction: "minimize" }).ratios[0], 1);
  assert.deepEqual(profileOnGrid([], linspace(0, 1, 5)).aup, []);
});

/** A deterministic generator of malformed run folders. */
function* malformed(): Generator<[string, string | Buffer]> {
  const texts = [
    "",
    "{",
    '{"agent": [',
    "null",
    "[]",
    '"agent"',
    "42",
    '{"agent": null}',
    '{"agent": "NaN"}',
    '{"agent": [null, 1, "x", [], {"Score": "NaN"}, {"Score": "Infinity"}]}',
    '{"agent": [{"Score": NaN}, {"Score": Infinity}, {"Score": -Infinity}], "baseline": {"Score": NaN}}',
    '{"agent": [{"Score": 1e308}, {"Score": -1e308}], "baseline": {"Score": 1e-308}}',
    '{"agent": [{"Score": -0.0}], "baseline": {"Score": 0}}',
    '{"agent": [{"Score": 0.5}], "baseline": "0.4"}',
    '{"agent": [{"Score": 0.5}], "baseline": {"Score": null}, "infrastructure_error": 7}',
    '{"agent": {"0": {"Score": 1}}}',
    '{"agent": [{"Score": true}], "baseline": {"Score": [1]}}',
    `{"agent": [${"[".repeat(2000)}${"]".repeat(2000)}]}`,
    "\u0000\u0001\u00ff garbage",
  ];
  for (const [i, text] of texts.entries()) yield [`${runName(`fz${i % 5}`, "blotto", i)}/results.json`, text];
  const trajectories = [
    "",
    "{",
    '{"trajectory": 5, "info": []}',
    '{"trajectory": [{"action": 1}, null, {"action": "submit"}], "info": {"exit_status": 3, "model_stats": {"total_cost": "NaN"}}}',
    '{"trajectory": [], "info": {"exit_status": "", "model_stats": {"total_cost": Infinity, "tokens_sent": -1}}}',
  ];
  for (const [i, text] of trajectories.entries()) yield [`${runName("fzt", "blotto", i)}/blotto.traj`, text];
  yield [`${runName("fzt", "blotto", 9)}/results.json`, Buffer.from([0xff, 0xfe, 0x00, 0x7b])];
}

test("malformed run folders never crash the report: every one becomes a note, the rest is reported", async () => {
  const root = await tempDir();
  await writeTree(root, {
    [`${runName("good", "blotto", 0)}/results.json`]: { agent: [{ Score: 0.2 }], baseline: { Score: 0.1 } },
    [`${runName("good", "blotto", 0)}/audit.json`]: "{not json",
  });
  for (const [path, content] of malformed()) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), content);
  }
  // A directory named results.json, an unreadable results.json, an unreadable sub-folder, a deep tree.
  await mkdir(join(root, runName("dir", "blotto", 0), "results.json"), { recursive: true });
  await writeTree(root, { [`${runName("locked", "blotto", 0)}/results.json`]: { agent: [{ Score: 1 }] } });
  await chmod(join(root, runName("locked", "blotto", 0), "results.json"), 0o000);
  await mkdir(join(root, "closed", runName("hidden", "blotto", 0)), { recursive: true });
  await chmod(join(root, "closed"), 0o000);
  const deep = Array.from({ length: 30 }, (_, i) => `d${i}`).join("/");
  await writeTree(root, { [`${deep}/${runName("deep", "blotto", 0)}/results.json`]: { agent: [] } });
  // Unknown task ids, an unparseable name.
  await writeTree(root, {
    [`${runName("fz", "noSuchTask", 0)}/results.json`]: { agent: [{ x: 1 }] },
    "stray/results.json": "{",
  });

  const data = await buildReport(root);
  const out = join(root, "out");
  const warnings: string[] = [];
  const written = await writeReport(data, out, ALL, (line) => warnings.push(line));
  await chmod(join(root, "closed"), 0o755);
  await chmod(join(root, runName("locked", "blotto", 0), "results.json"), 0o644);

  for (const name of ["aup_scores.csv", "best_scores.csv", "report.json", "summary.md", "report.html"])
    assert.ok(written.includes(name), name);
  assert.ok(data.scores.models.includes("good"));
  const kinds = new Set(data.issues.map((i) => i.kind));
  for (const kind of [
    "bad-results",
    "no-results",
    "bad-trajectory",
    "bad-audit",
    "unknown-task",
    "unparseable-name",
  ])
    assert.ok(kinds.has(kind as never), `${kind} in ${[...kinds]}`);
  const pathsWithNotes = new Set(data.issues.map((i) => i.path));
  assert.ok(pathsWithNotes.has(runName("dir", "blotto", 0)), "the directory named results.json is noted");
  const json = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
  for (const row of json.tables.aup_scores.slice(1))
    for (const cell of row.slice(1)) assert.match(cell, /^(\d+(\.\d+)?)?$/, `AUP cell ${cell}`);
  assert.match(await readFile(join(out, "summary.md"), "utf8"), /notes; what they name was skipped/);
});

test("a figure that cannot be drawn is skipped with a warning; tables and other figures are written", async () => {
  const root = await tempDir();
  await writeTree(root, {
    [`${runName("m1", "blotto", 0)}/results.json`]: { agent: [{ Score: 0.2 }], baseline: { Score: 0.1 } },
  });
  const data = await buildReport(root);
  // A task whose id is no valid file name: its score-trail figure cannot be written, the rest can.
  const task = data.scores.tasks[0];
  assert.ok(task);
  data.runs.trails = data.runs.trails.map((t) => ({ ...t, taskId: "bad/../../x\u0000" }));
  data.scores.tasks = [{ ...task, id: "bad/../../x\u0000" }];
  const out = join(root, "out");
  const warnings: string[] = [];
  const written = await writeReport(data, out, ALL, (line) => warnings.push(line));
  assert.ok(written.includes("best_scores.csv") && written.includes("figures/performance_profiles.png"));
  assert.ok(
    warnings.some((w) => /figure score_trail_bad.* skipped/.test(w)),
    warnings.join("\n"),
  );
  assert.match(await readFile(join(out, "summary.md"), "utf8"), /## Warnings[\s\S]*score_trail_bad.*skipped/);
});
