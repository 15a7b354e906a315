import { percentile } from "../metrics/bootstrap.js";
import type { ScoreTrail } from "./analyze-runs.js";
import type { ScoreAnalysis } from "./analyze-scores.js";
import {
  axes,
  colorAt,
  esc,
  type Frame,
  formatNumber,
  legend,
  linearScale,
  niceTicks,
  svgDocument,
  text,
} from "./svg.js";

const fmt = (v: number) => v.toFixed(1);

/** Step-plot panel of profiles: ρ(τ) per method, drawn as "post" steps like the original. */
function profilePanel(
  frame: Frame,
  title: string,
  scores: ScoreAnalysis,
  profiles: number[][],
  aup: number[],
): string {
  const tauMax = scores.taus.at(-1) ?? 1;
  const sx = linearScale([0, tauMax], [frame.left, frame.left + frame.width]);
  const sy = linearScale([0, 1], [frame.top + frame.height, frame.top]);
  const lines = profiles.map((profile, m) => {
    let d = "";
    profile.forEach((rho, i) => {
      const x = sx(scores.taus[i] as number);
      const y = sy(rho);
      d += i === 0 ? `M${fmt(x)},${fmt(y)}` : `H${fmt(x)}V${fmt(y)}`;
    });
    const dashed = scores.methods[m] === "baseline" ? ' stroke-dasharray="6 4"' : "";
    return `<path d="${d}" fill="none" stroke="${colorAt(m)}" stroke-width="2"${dashed}/>`;
  });
  const items = scores.methods.map((method, m) => ({
    label: `${method} (AUP ${formatNumber(Math.round((aup[m] ?? 0) * 1000) / 1000)})`,
    color: colorAt(m),
    dashed: method === "baseline",
  }));
  return [
    text(frame.left + frame.width / 2, frame.top - 10, title, { size: 14, anchor: "middle", weight: "bold" }),
    axes(
      frame,
      { domain: [0, tauMax], label: "τ (log10 of performance ratio)" },
      { domain: [0, 1], label: "ρ(τ): share of tasks" },
    ),
    ...lines,
    legend(frame.left + frame.width - 250, frame.top + frame.height - 18 * items.length - 4, items, {
      background: true,
    }),
  ].join("\n");
}

/** The paper's performance profiles: best attempt (left) and best submission = last attempt (right). */
export function performanceProfileChart(scores: ScoreAnalysis, runsPerModel: number): string {
  const suffix = runsPerModel > 0 ? `@${runsPerModel}` : "";
  const w = 560;
  const h = 380;
  const left = profilePanel(
    { left: 70, top: 40, width: w - 100, height: h - 100 },
    `Best Attempt Profile${suffix}`,
    scores,
    scores.best.profiles,
    scores.best.aup,
  );
  const right = profilePanel(
    { left: w + 70, top: 40, width: w - 100, height: h - 100 },
    `Best Submission Profile${suffix}`,
    scores,
    scores.last.profiles,
    scores.last.aup,
  );
  return svgDocument(2 * w + 20, h, `${left}\n${right}`);
}

/** One point per model: mean recorded API cost per run against Best AUP. */
export function aupVsCostChart(
  points: ReadonlyArray<{ model: string; cost: number; aup: number; index: number }>,
): string {
  const width = 760;
  const height = 460;
  const frame: Frame = { left: 80, top: 40, width: width - 120, height: height - 110 };
  const costs = points.map((p) => p.cost);
  const aups = points.map((p) => p.aup);
  const xMax = Math.max(...costs, 0) * 1.15 || 1;
  const yMin = Math.min(...aups) - 0.05;
  const yMax = Math.max(...aups) + 0.05;
  const sx = linearScale([0, xMax], [frame.left, frame.left + frame.width]);
  const sy = linearScale([yMin, yMax], [frame.top + frame.height, frame.top]);
  const marks = points.map((p) => {
    const x = sx(p.cost);
    const y = sy(p.aup);
    return `<circle cx="${fmt(x)}" cy="${fmt(y)}" r="7" fill="${colorAt(p.index)}" stroke="#222"/>${text(x + 10, y - 8, p.model, { size: 11 })}`;
  });
  return svgDocument(
    width,
    height,
    [
      text(width / 2, 24, "Best AUP vs mean cost per run", { size: 14, anchor: "middle", weight: "bold" }),
      axes(
        frame,
        { domain: [0, xMax], label: "mean API cost per run (USD, recorded)" },
        { domain: [yMin, yMax], label: "Best AUP" },
      ),
      ...marks,
    ].join("\n"),
  );
}

/** Horizontal stacked bars: one bar per row, one coloured segment per key. */
export function stackedBarChart(options: {
  title: string;
  xLabel: string;
  rows: readonly string[];
  keys: readonly string[];
  /** `[row][key]`. */
  values: ReadonlyArray<readonly number[]>;
}): string {
  const { title, xLabel, rows, keys, values } = options;
  const labelWidth = Math.min(260, 20 + 7 * Math.max(...rows.map((r) => r.length), 4));
  const barHeight = 22;
  const frame: Frame = {
    left: labelWidth,
    top: 44,
    width: 520,
    height: Math.max(rows.length, 1) * (barHeight + 8),
  };
  const width = labelWidth + frame.width + 200;
  const height = Math.max(frame.top + frame.height + 60, frame.top + keys.length * 18 + 20);
  const totals = values.map((row) => row.reduce((a, b) => a + b, 0));
  const xMax = Math.max(...totals, 1);
  const ticks = niceTicks(0, xMax);
  const domainMax = Math.max(xMax, ticks.at(-1) ?? xMax);
  const sx = linearScale([0, domainMax], [frame.left, frame.left + frame.width]);
  const bars: string[] = [];
  rows.forEach((row, r) => {
    const y = frame.top + 4 + r * (barHeight + 8);
    bars.push(text(frame.left - 8, y + barHeight / 2 + 4, row, { size: 11, anchor: "end" }));
    let start = 0;
    keys.forEach((key, k) => {
      const v = values[r]?.[k] ?? 0;
      if (v <= 0) return;
      const x0 = sx(start);
      const x1 = sx(start + v);
      bars.push(
        `<rect x="${fmt(x0)}" y="${y}" width="${fmt(x1 - x0)}" height="${barHeight}" fill="${colorAt(k)}"><title>${esc(`${row} · ${key}: ${v}`)}</title></rect>`,
      );
      start += v;
    });
  });
  const grid = ticks.map((t) => {
    const x = sx(t);
    return `<line x1="${fmt(x)}" y1="${frame.top}" x2="${fmt(x)}" y2="${frame.top + frame.height}" stroke="#e3e3e3"/>${text(x, frame.top + frame.height + 16, formatNumber(t), { size: 11, anchor: "middle" })}`;
  });
  return svgDocument(
    width,
    height,
    [
      text(width / 2, 24, title, { size: 14, anchor: "middle", weight: "bold" }),
      ...grid,
      ...bars,
      text(frame.left + frame.width / 2, frame.top + frame.height + 36, xLabel, {
        size: 12,
        anchor: "middle",
      }),
      legend(
        frame.left + frame.width + 20,
        frame.top + 8,
        keys.map((label, k) => ({ label, color: colorAt(k) })),
      ),
    ].join("\n"),
  );
}

/** Above this many runs a trail chart shows one median line per model instead of one line per run. */
const MAX_RUN_LINES = 60;

/** Per model, the median over its runs of the value at each attempt (runs that reached that attempt). */
function medianTrails(trails: readonly ScoreTrail[], models: readonly string[]): ScoreTrail[] {
  return models.flatMap((model) => {
    const own = trails.filter((t) => t.model === model);
    if (own.length === 0) return [];
    const length = Math.max(...own.map((t) => t.values.length));
    const values = Array.from({ length }, (_, i) => {
      const at = own.flatMap((t) =>
        t.values[i] === null || t.values[i] === undefined ? [] : [t.values[i] as number],
      );
      return at.length === 0
        ? null
        : percentile(
            at.sort((a, b) => a - b),
            50,
          );
    });
    return [{ taskId: own[0]?.taskId ?? "", model, path: `${model}: median of ${own.length} runs`, values }];
  });
}

/**
 * The priority metric over the validation trail of every run of one task, coloured by model, with the baseline
 * dashed. Extreme outliers (e.g. a −3e13 reward) would flatten every other line, so the y range stops at
 * ten interquartile ranges beyond the quartiles and points outside are pinned to the edge (the subtitle says so).
 */
export function scoreTrailChart(options: {
  title: string;
  metric: string;
  baseline: number;
  models: readonly string[];
  trails: readonly ScoreTrail[];
}): string {
  const { title, metric, baseline, models, trails } = options;
  const width = 820;
  const height = 440;
  const frame: Frame = { left: 90, top: 50, width: 540, height: height - 120 };
  const all = trails.flatMap((t) => t.values.filter((v): v is number => v !== null));
  if (Number.isFinite(baseline)) all.push(baseline);
  const sorted = [...all].sort((a, b) => a - b);
  const q1 = percentile(sorted, 25);
  const q3 = percentile(sorted, 75);
  const fence = (q3 - q1 || Math.abs(q3) || 1) * 10;
  const yMin = Math.min(
    Math.max(sorted[0] ?? 0, q1 - fence),
    Number.isFinite(baseline) ? baseline : Number.POSITIVE_INFINITY,
  );
  const yMax = Math.max(
    Math.min(sorted.at(-1) ?? 1, q3 + fence),
    Number.isFinite(baseline) ? baseline : Number.NEGATIVE_INFINITY,
  );
  const clipped = sorted.length > 0 && ((sorted[0] as number) < yMin || (sorted.at(-1) as number) > yMax);
  const span = yMax - yMin || 1;
  const yDomain: [number, number] = [yMin - span * 0.05, yMax + span * 0.05];
  const xMax = Math.max(2, ...trails.map((t) => t.values.length));
  const sx = linearScale([1, xMax], [frame.left, frame.left + frame.width]);
  const sy = linearScale(yDomain, [frame.top + frame.height, frame.top]);
  const clamp = (v: number) => Math.min(Math.max(v, yDomain[0]), yDomain[1]);
  const perRun = trails.length <= MAX_RUN_LINES;
  const drawn = perRun ? trails : medianTrails(trails, models);
  const lines = drawn.map((trail) => {
    const color = colorAt(models.indexOf(trail.model) + 1);
    const pts = trail.values.flatMap((v, i) =>
      v === null ? [] : [`${fmt(sx(i + 1))},${fmt(sy(clamp(v)))}`],
    );
    const dots = pts.map((p) => {
      const [cx, cy] = p.split(",");
      return `<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`;
    });
    return `<polyline points="${pts.join(" ")}" fill="none" stroke="${color}" stroke-width="1.5" opacity="0.8"><title>${esc(trail.path)}</title></polyline>${dots.join("")}`;
  });
  const baselineLine = Number.isFinite(baseline)
    ? `<line x1="${frame.left}" x2="${frame.left + frame.width}" y1="${fmt(sy(clamp(baseline)))}" y2="${fmt(sy(clamp(baseline)))}" stroke="#444" stroke-width="1.5" stroke-dasharray="6 4"/>`
    : "";
  const xTicks = niceTicks(1, xMax).filter((t) => Number.isInteger(t));
  const present = models.filter((m) => trails.some((t) => t.model === m));
  const items = [
    ...present.map((m) => ({ label: m, color: colorAt(models.indexOf(m) + 1) })),
    ...(baselineLine ? [{ label: "baseline", color: "#444", dashed: true }] : []),
  ];
  return svgDocument(
    width,
    height,
    [
      text(frame.left + frame.width / 2, 22, `${title}: ${metric} over validations`, {
        size: 14,
        anchor: "middle",
        weight: "bold",
      }),
      text(
        frame.left + frame.width / 2,
        40,
        [
          perRun ? "one line per run" : `median over each model's runs (${trails.length} runs)`,
          ...(clipped ? ["outliers pinned to the plot edge"] : []),
        ].join("; "),
        { size: 11, anchor: "middle", fill: "#666" },
      ),
      axes(
        frame,
        { domain: [1, xMax], label: "attempt (validation / final evaluation)", ticks: xTicks },
        { domain: yDomain, label: metric },
      ),
      baselineLine,
      ...lines,
      legend(frame.left + frame.width + 24, frame.top + 10, items),
    ].join("\n"),
  );
}
