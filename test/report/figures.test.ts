import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { buildReport } from "../../src/report/build-report.js";
import { stackedBarChart } from "../../src/report/charts.js";
import { PRINT_WIDTH_PX, svgToPng } from "../../src/report/png.js";
import { writeReport } from "../../src/report/write-report.js";
import { runName, tempDir, writeTree } from "./helpers.js";
import { decodePng } from "./png-decode.js";

function trajectory(actions: string[], exitStatus: string, cost: number) {
  return {
    environment: "mlgym_main",
    trajectory: actions.map((action) => ({
      action,
      observation: "",
      response: "",
      state: "{}",
      thought: "",
      execution_time: 0.1,
    })),
    history: [],
    info: {
      exit_status: exitStatus,
      model_stats: {
        total_cost: cost,
        task_cost: cost,
        tokens_sent: 1000,
        tokens_received: 100,
        api_calls: actions.length,
      },
    },
  };
}

async function fixture(): Promise<string> {
  const root = await tempDir();
  const files: Record<string, unknown> = {};
  const models = ["alpha", "beta", "gamma"];
  models.forEach((model, m) => {
    for (const [task, metric, base] of [
      ["battleOfSexes", "Score", 1.02],
      ["3SATTime", "Time", 16.2],
      ["imageClassificationFMnist", "accuracy", 0.78],
    ] as const) {
      for (let run = 0; run < 2; run++) {
        const dir = runName(`metagen-${model}`, task, run);
        const step = metric === "Time" ? -0.5 : 0.02;
        const agent = [0, 1, 2, 3].map((i) => ({
          [metric]: base + step * (i + m + run) * (i % 2 === 0 ? 1 : 0.5),
        }));
        files[`${dir}/results.json`] = { agent, baseline: { [metric]: base } };
        const actions = [
          "ls\n",
          'open "a.py"\n',
          "edit 1:2\nx\nend_of_edit\n",
          "python train.py\n",
          "validate\n",
          "submit\n",
        ];
        const status = run === 0 ? "submitted" : m === 1 ? "autosubmission (exit_context)" : "";
        files[`${dir}/${task}.traj`] = trajectory(
          actions.slice(0, 3 + m + run),
          status,
          0.1 * (m + 1) + run * 0.05,
        );
      }
    }
  });
  await writeTree(root, files);
  return root;
}

test("figures render to real PNGs: sizes from IHDR and pixels that are not one colour", async () => {
  const root = await fixture();
  const out = join(root, "report-out");
  const data = await buildReport(root, { bootstrap: 50, seed: 3, compare: [["alpha", "beta"]] });
  const written = await writeReport(data, out, ["csv", "json", "md", "html", "svg", "png", "pdf"]);
  const figures = (await readdir(join(out, "figures"))).sort();
  for (const name of [
    "performance_profiles",
    "aup_vs_cost",
    "exit_status_per_model",
    "exit_status_per_task",
    "actions_per_model",
    "actions_per_task",
    "outcomes_per_model",
    "score_trail_3SATTime",
  ]) {
    for (const ext of ["png", "svg", "pdf"]) assert.ok(figures.includes(`${name}.${ext}`), `${name}.${ext}`);
  }
  for (const name of figures.filter((f) => f.endsWith(".png"))) {
    const svg = await readFile(join(out, "figures", name.replace(/\.png$/, ".svg")), "utf8");
    const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
    const png = decodePng(await readFile(join(out, "figures", name)));
    assert.equal(png.width, PRINT_WIDTH_PX, name);
    assert.ok(Math.abs(png.height - (Number(h) * PRINT_WIDTH_PX) / Number(w)) <= 1, name);
    const colours = new Set<number>();
    let nonWhite = 0;
    for (let i = 0; i < png.pixels.length; i += png.channels) {
      const [r = 0, g = 0, b = 0] = png.pixels.subarray(i, i + 3);
      colours.add((r << 16) | (g << 8) | b);
      if (r < 240 || g < 240 || b < 240) nonWhite++;
    }
    const share = nonWhite / (png.width * png.height);
    assert.ok(colours.size > 20, `${name}: only ${colours.size} colours`);
    assert.ok(share > 0.01 && share < 0.6, `${name}: ${(share * 100).toFixed(1)}% ink`);
  }
  assert.ok(
    written.includes("summary.md") && written.includes("report.html") && written.includes("report.json"),
  );
  const html = await readFile(join(out, "report.html"), "utf8");
  assert.ok(html.includes("<svg") && !/(src|href)="(?!#)/.test(html), "the HTML inlines its figures");
  const md = await readFile(join(out, "summary.md"), "utf8");
  assert.match(md, /!\[Performance profiles.*\]\(figures\/performance_profiles\.png\)/);
  assert.match(md, /\| alpha \| beta \| best \|/);
  const json = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
  assert.equal(json.format, "mlgym-report/1");
  assert.deepEqual(json.tables.aup_scores[0], ["Model", "Best AUP", "Last AUP"]);
  assert.equal(json.runs.exitStatuses["unknown_error (python train.py)"], 3);
  assert.equal(json.runs.usageByModel.beta.runsWithCost, 6);
});

test("the same inputs and seed give the same report.json", async () => {
  const root = await fixture();
  const a = await buildReport(root, { bootstrap: 30, seed: 9 });
  const b = await buildReport(root, { bootstrap: 30, seed: 9 });
  assert.deepEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));
});

test("a machine without fonts still gets the chart, only without text", async () => {
  const svg = stackedBarChart({
    title: "t",
    xLabel: "runs",
    rows: ["a", "b"],
    keys: ["x", "y"],
    values: [
      [1, 2],
      [3, 0],
    ],
  });
  const withFonts = decodePng(svgToPng(svg));
  const withoutFonts = decodePng(svgToPng(svg, { systemFonts: false }));
  assert.equal(withoutFonts.width, withFonts.width);
  const ink = (png: typeof withFonts) =>
    png.pixels.filter((v, i) => i % png.channels === 0 && v < 200).length;
  assert.ok(ink(withoutFonts) > 0, "bars are drawn");
  assert.ok(ink(withoutFonts) < ink(withFonts), "text adds ink only when a font is available");
});
