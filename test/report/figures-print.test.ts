import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { inflateSync } from "node:zlib";
import { buildReport, type ReportData } from "../../src/report/build-report.js";
import { aupVsCostLayout, defaultStyle, performanceProfileChart } from "../../src/report/charts.js";
import { renderFigureFiles } from "../../src/report/figure-files.js";
import { buildFigures, reportStyle } from "../../src/report/figures.js";
import { intersects } from "../../src/report/label-placement.js";
import { loadDisplayNames } from "../../src/report/names-file.js";
import { POINTS_PER_PIXEL } from "../../src/report/pdf.js";
import { PRINT_WIDTH_PX } from "../../src/report/png.js";
import { profileSteps } from "../../src/report/tau-axis.js";
import { sharedDir, tempDir } from "./helpers.js";
import { decodePng } from "./png-decode.js";

const REFERENCE = join(sharedDir, "reference", "mlgym-results");

async function referenceReport(): Promise<ReportData> {
  const data = await buildReport(REFERENCE);
  return Object.assign(data, { names: loadDisplayNames() });
}

const figureNamed = (data: ReportData, name: string) => {
  const figure = buildFigures(data).find((f) => f.name === name);
  assert.ok(figure, `figure ${name} is drawn`);
  return figure;
};

test("the profile's split τ axis spreads the curves' steps over the plot (reference data)", async () => {
  const data = await referenceReport();
  const svg = figureNamed(data, "performance_profiles").svg;
  const areas = [...svg.matchAll(/class="plot-area" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({
    x0: Number(m[1]),
    x1: Number(m[1]) + Number(m[2]),
  }));
  assert.equal(areas.length, 4, "two panels, each split in two parts");
  assert.match(svg, /cut from [\d.]+ to [\d.]+/, "the caption says where the axis is cut");
  assert.match(svg, />×1\.26</, "tick labels give the ratio as well as τ");
  const panels = [
    { x0: areas[0]?.x0 ?? 0, x1: areas[1]?.x1 ?? 0 },
    { x0: areas[2]?.x0 ?? 0, x1: areas[3]?.x1 ?? 0 },
  ];
  const paths = [...svg.matchAll(/<path class="profile" d="([^"]+)"/g)].map((m) => m[1] as string);
  assert.equal(paths.length, data.scores.methods.length * 2);
  for (const [p, panel] of panels.entries()) {
    const xs = new Set(
      paths
        .slice(p * data.scores.methods.length, (p + 1) * data.scores.methods.length)
        .flatMap((d) => [...d.matchAll(/H([\d.]+)/g)].map((m) => Number(m[1])))
        .filter((x) => x > panel.x0 + 0.5 && x < panel.x1 - 0.5),
    );
    const leftFifth = panel.x0 + (panel.x1 - panel.x0) / 5;
    const squeezed = [...xs].filter((x) => x < leftFifth).length;
    assert.ok(xs.size >= 20, `panel ${p}: ${xs.size} step positions`);
    assert.ok(squeezed / xs.size < 0.5, `panel ${p}: ${squeezed} of ${xs.size} steps in the left fifth`);
  }
  // On a linear τ axis the same steps would sit mostly in the left fifth: the test above is not a given.
  const tauMax = data.scores.taus.at(-1) as number;
  const steps = profileSteps(data.scores.taus, data.scores.best.profiles);
  assert.ok(steps.filter((t) => t < tauMax / 5).length / steps.length > 0.5);
});

test("display names and colours come from the built-in table and a names file, the same in every figure", async () => {
  const builtin = loadDisplayNames();
  for (const id of [
    "litellm:claude-3-5-sonnet-20240620",
    "litellm-claude-3-5-sonnet-20241022",
    "claude-35-sonnet-new",
    "metagen-claude-35-sonnet-new",
    "anthropic/claude-3-5-sonnet-20240620",
  ])
    assert.equal(builtin.label(id), "Claude-3.5-Sonnet", id);
  assert.equal(builtin.label("deepseek-r1"), "DeepSeek-R1");
  assert.equal(builtin.label("litellm:gpt-4o"), "GPT-4o");
  assert.equal(builtin.label("my-own-model"), "my-own-model");
  assert.equal(builtin.colour("gpt4o2", 5), builtin.colour("litellm:gpt-4o", 9));

  const dir = await tempDir();
  const file = join(dir, "names.yaml");
  await writeFile(
    file,
    'gpt4o2: {name: "GPT-4o (Aug)", colour: "#ff0000"}\nmy-own-model: Mine\nlitellm:o1-preview: {color: "#00ff00"}\n',
  );
  const names = loadDisplayNames(file);
  assert.equal(names.label("gpt4o2"), "GPT-4o (Aug)");
  assert.equal(names.colour("gpt4o2", 0), "#ff0000");
  assert.equal(names.label("my-own-model"), "Mine");
  assert.equal(
    names.label("litellm:o1-preview"),
    "O1-preview",
    "a colour-only entry keeps the built-in name",
  );
  assert.equal(names.colour("litellm:o1-preview", 3), "#00ff00");

  const data = Object.assign(await buildReport(REFERENCE), { names });
  const style = reportStyle(data);
  const figures = buildFigures(data);
  const profiles = figures.find((f) => f.name === "performance_profiles")?.svg ?? "";
  const outcomes = figures.find((f) => f.name === "outcomes_per_model")?.svg ?? "";
  const trail = figures.find((f) => f.name === "score_trail_3SATTime")?.svg ?? "";
  assert.match(profiles, /GPT-4o \(Aug\)/);
  assert.match(outcomes, />GPT-4o \(Aug\)</);
  assert.doesNotMatch(outcomes, />gpt4o2</, "no run-folder id where a display name is known");
  assert.match(profiles, /stroke="#ff0000"/);
  assert.match(trail, /stroke="#ff0000"/, "the model keeps its colour in the trail figure");
  assert.equal(style.colour("gpt4o2"), "#ff0000");
  const claude = style.colour("claude-35-sonnet-new");
  assert.ok(profiles.includes(`stroke="${claude}"`) && trail.includes(`stroke="${claude}"`));
});

test("a bad names file is a ConfigError naming the file and the field", async () => {
  const dir = await tempDir();
  const bad = async (text: string, field: RegExp) => {
    const file = join(dir, `names-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, text);
    assert.throws(
      () => loadDisplayNames(file),
      (error: Error) =>
        error.name === "ConfigError" && error.message.includes(file) && field.test(error.message),
    );
  };
  await bad('gpt4o2: {name: GPT, colour: "red"}\n', /gpt4o2\.colour: expected a colour as "#rrggbb"/);
  await bad("gpt4o2: {label: GPT}\n", /gpt4o2: unknown field\(s\) 'label'/);
  await bad("gpt4o2: 3\n", /gpt4o2: expected a display name/);
  await bad("- a\n- b\n", /expected a map from model id/);
  await bad("gpt4o2: [unclosed\n", /invalid YAML/);
  assert.throws(() => loadDisplayNames(join(dir, "missing.yaml")), /missing\.yaml: cannot read file/);
});

test("print files: a 2400-pixel PNG and a vector PDF page of the figure's aspect with its text and paths", async () => {
  const data = await referenceReport();
  const figure = figureNamed(data, "performance_profiles");
  const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(figure.svg)?.map(Number) ?? [];
  const files = await renderFigureFiles(figure);
  const png = decodePng(files.png as Buffer);
  assert.equal(png.width, PRINT_WIDTH_PX);
  assert.ok(Math.abs(png.height - ((h as number) * PRINT_WIDTH_PX) / (w as number)) <= 1);

  const pdf = files.pdf as Buffer;
  assert.equal(pdf.subarray(0, 5).toString("latin1"), "%PDF-");
  const raw = pdf.toString("latin1");
  const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(raw);
  assert.ok(box, "a page with a MediaBox");
  assert.ok(Math.abs(Number(box[1]) - (w as number) * POINTS_PER_PIXEL) < 0.01);
  assert.ok(Math.abs(Number(box[2]) - (h as number) * POINTS_PER_PIXEL) < 0.01);
  const content = [...raw.matchAll(/stream\r?\n/g)]
    .map((m) => {
      const start = (m.index ?? 0) + m[0].length;
      const body = pdf.subarray(start, raw.indexOf("endstream", start));
      try {
        return inflateSync(body).toString("latin1");
      } catch {
        return "";
      }
    })
    .join("\n");
  const texts = (figure.svg.match(/<text /g) ?? []).length;
  const shown = (content.match(/\bT[Jj]\b/g) ?? []).length;
  assert.ok(shown >= texts, `${shown} text runs in the PDF for ${texts} SVG texts`);
  assert.ok((content.match(/ l\b/g) ?? []).length > 100, "the curves are vector line segments");
});

test("every figure is legible in print: no text under 6 pt when set 7 inches wide", async () => {
  const data = await referenceReport();
  for (const figure of buildFigures(data)) {
    const width = Number(/width="(\d+)"/.exec(figure.svg)?.[1]);
    const sizes = [...figure.svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1]));
    const smallest = Math.min(...sizes) * (504 / width);
    assert.ok(smallest >= 6, `${figure.name}: ${smallest.toFixed(1)} pt`);
  }
});

test("AUP-vs-cost labels never overlap: reference AUPs with crowded costs, and near-identical points", async () => {
  const data = await referenceReport();
  const style = reportStyle(data);
  const crowded = data.scores.models.map((model, i) => ({
    model,
    cost: 0.2 + 0.004 * i,
    aup: data.scores.best.aup[data.scores.methods.indexOf(model)] as number,
  }));
  const same = ["a-model", "b-model", "c-model-with-a-long-name", "d", "e-model", "f-model"].map(
    (model, i) => ({
      model,
      cost: 1 + i * 1e-6,
      aup: 1.3 + i * 1e-6,
    }),
  );
  for (const [points, s] of [
    [crowded, style],
    [same, defaultStyle(same.map((p) => p.model))],
  ] as const) {
    const { labels, anchors } = aupVsCostLayout(points, s);
    assert.equal(labels.length, points.length);
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++)
        assert.ok(!intersects(labels[i]!.box, labels[j]!.box), `${anchors[i]?.text} / ${anchors[j]?.text}`);
      for (const a of anchors) {
        const marker = { x: a.x - 7, y: a.y - 7, width: 14, height: 14 };
        assert.ok(!intersects(labels[i]!.box, marker), `${anchors[i]?.text} covers a marker`);
      }
    }
  }
});

test("no cost figure without a known cost; figures that cannot be drawn throw or are skipped", async () => {
  const data = await referenceReport(); // results.json only: no recorded cost
  const skipped: string[] = [];
  const figures = buildFigures(data, (s) => skipped.push(`${s.name}: ${s.reason}`));
  assert.ok(!figures.some((f) => f.name === "aup_vs_cost"));
  assert.deepEqual(skipped, []);
  assert.throws(
    () => aupVsCostLayout([{ model: "a", cost: 0, aup: 1 }], defaultStyle(["a"])),
    /no model has a known/,
  );
  assert.throws(() => aupVsCostLayout([{ model: "a", cost: Number.NaN, aup: 1 }], defaultStyle(["a"])));

  const single = { ...data.scores, taus: [0] };
  assert.throws(() => performanceProfileChart(single, 4), /τ grid of 1 point/);
  const nan = {
    ...data.scores,
    best: { ...data.scores.best, profiles: data.scores.best.profiles.map((p) => p.map(() => Number.NaN)) },
  };
  assert.throws(() => performanceProfileChart(nan, 4), /not a number/);

  // A broken figure is skipped with a reason; the others are still drawn.
  const broken = { ...data, scores: nan };
  const skippedBroken: string[] = [];
  const drawn = buildFigures(broken, (s) => skippedBroken.push(s.name));
  assert.deepEqual(skippedBroken, ["performance_profiles"]);
  assert.ok(drawn.some((f) => f.name === "outcomes_per_model"));
  for (const f of drawn) assert.doesNotMatch(f.svg, /NaN|Infinity/);
});
