import { percentile } from "../metrics/bootstrap.js";
import type { ScoreTrail } from "./analyze-runs.js";
import type { ScoreAnalysis } from "./analyze-scores.js";
import { BASELINE } from "./analyze-scores.js";
import { type PlacedLabel, placeLabels } from "./label-placement.js";
import {
  axes,
  colorAt,
  esc,
  type Frame,
  formatNumber,
  legend,
  legendRows,
  linearScale,
  niceTicks,
  svgDocument,
  text,
} from "./svg.js";
import { profileSteps, splitTauAxis } from "./tau-axis.js";

const fmt = (v: number) => v.toFixed(1);

/** How a chart names and colours a model (or the baseline): one style for every figure of a report. */
export interface SeriesStyle {
  label(id: string): string;
  colour(id: string): string;
}

/** Ids as labels and the palette by position in `ids`: for charts drawn outside a report. */
export function defaultStyle(ids: readonly string[]): SeriesStyle {
  return { label: (id) => id, colour: (id) => colorAt(Math.max(0, ids.indexOf(id))) };
}

const PROFILE_PANEL = { width: 500, left: 66, top: 46, plotWidth: 404, plotHeight: 270 };

/** The step curve of one profile inside one axis segment ("post" steps, like the original). */
function segmentPath(
  taus: readonly number[],
  profile: readonly number[],
  from: number,
  to: number,
  x: (tau: number) => number,
  y: (rho: number) => number,
): string {
  let start = 0;
  while (start + 1 < taus.length && (taus[start + 1] as number) <= from) start++;
  let d = `M${fmt(x(from))},${fmt(y(profile[start] ?? 0))}`;
  for (let i = start + 1; i < taus.length && (taus[i] as number) <= to; i++) {
    if (profile[i] === profile[i - 1]) continue;
    d += `H${fmt(x(taus[i] as number))}V${fmt(y(profile[i] as number))}`;
  }
  return `${d}H${fmt(x(to))}`;
}

/** One profile panel on the split τ axis: ρ(τ) per method, the baseline dashed. */
function profilePanel(
  offsetX: number,
  title: string,
  scores: ScoreAnalysis,
  profiles: number[][],
  steps: readonly number[],
  style: SeriesStyle,
): { svg: string; note: string } {
  const p = PROFILE_PANEL;
  const left = offsetX + p.left;
  const bottom = p.top + p.plotHeight;
  const tauMax = scores.taus.at(-1) as number;
  const axis = splitTauAxis(steps, tauMax, left, left + p.plotWidth);
  const sy = linearScale([0, 1], [bottom, p.top]);
  const parts: string[] = [
    text(left + p.plotWidth / 2, p.top - 14, title, { size: 15, anchor: "middle", weight: "bold" }),
  ];
  for (const t of niceTicks(0, 1)) {
    for (const seg of axis.segments)
      parts.push(
        `<line x1="${fmt(seg.x0)}" y1="${fmt(sy(t))}" x2="${fmt(seg.x1)}" y2="${fmt(sy(t))}" stroke="#e3e3e3"/>`,
      );
    parts.push(text(left - 6, sy(t) + 4, formatNumber(t), { size: 12, anchor: "end" }));
  }
  for (const tick of axis.ticks) {
    parts.push(
      `<line x1="${fmt(tick.x)}" y1="${p.top}" x2="${fmt(tick.x)}" y2="${bottom}" stroke="#e3e3e3"/>`,
      text(tick.x, bottom + 16, formatNumber(tick.tau), { size: 12, anchor: "middle" }),
      text(tick.x, bottom + 31, `×${formatNumber(Number((10 ** tick.tau).toPrecision(3)))}`, {
        size: 12,
        anchor: "middle",
        fill: "#666",
      }),
    );
  }
  for (const seg of axis.segments)
    parts.push(
      `<rect class="plot-area" x="${fmt(seg.x0)}" y="${p.top}" width="${fmt(seg.x1 - seg.x0)}" height="${p.plotHeight}" fill="none" stroke="#444"/>`,
    );
  const [fine, coarse] = axis.segments;
  if (fine && coarse) {
    // The break mark: two short slanted strokes at top and bottom on each side of the gap.
    for (const [bx, yy] of [fine.x1, coarse.x0].flatMap((bx) =>
      [bottom, p.top].map((yy) => [bx, yy] as const),
    ))
      parts.push(
        `<line x1="${fmt(bx - 4)}" y1="${fmt(yy + 6)}" x2="${fmt(bx + 4)}" y2="${fmt(yy - 6)}" stroke="#444" stroke-width="1.5"/>`,
      );
  }
  scores.methods.forEach((method, m) => {
    const profile = profiles[m] ?? [];
    const dashed = method === BASELINE ? ' stroke-dasharray="6 4"' : "";
    const d = axis.segments
      .map((seg) => segmentPath(scores.taus, profile, seg.from, seg.to, axis.x, sy))
      .join("");
    parts.push(
      `<path class="profile" d="${d}" fill="none" stroke="${style.colour(method)}" stroke-width="2"${dashed}><title>${esc(style.label(method))}</title></path>`,
    );
  });
  parts.push(
    text(left + p.plotWidth / 2, bottom + 50, "τ = log10(performance ratio); ×: the ratio", {
      size: 13,
      anchor: "middle",
    }),
  );
  parts.push(
    text(left - 46, p.top + p.plotHeight / 2, "ρ(τ): share of tasks", {
      size: 13,
      anchor: "middle",
      rotate: -90,
    }),
  );
  return { svg: parts.join("\n"), note: axis.note };
}

/**
 * The paper's performance profiles: best attempt (left) and best submission = last attempt (right), on the split
 * τ axis, with one legend below giving each method's Best and Last AUP. Throws when there is nothing to draw.
 */
export function performanceProfileChart(
  scores: ScoreAnalysis,
  runsPerModel: number,
  style: SeriesStyle = defaultStyle(scores.methods),
): string {
  const tauMax = scores.taus.at(-1);
  if (scores.methods.length === 0 || scores.taus.length < 2 || tauMax === undefined || !(tauMax > 0))
    throw new Error(
      `cannot draw performance profiles: τ grid of ${scores.taus.length} point(s) up to ${tauMax}`,
    );
  const all = [...scores.best.profiles, ...scores.last.profiles];
  if (all.some((profile) => profile.some((rho) => !Number.isFinite(rho))))
    throw new Error("cannot draw performance profiles: a profile value is not a number");
  const suffix = runsPerModel > 0 ? `@${runsPerModel}` : "";
  const steps = profileSteps(scores.taus, all);
  const best = profilePanel(0, `Best Attempt Profile${suffix}`, scores, scores.best.profiles, steps, style);
  const last = profilePanel(
    PROFILE_PANEL.width,
    `Best Submission Profile${suffix}`,
    scores,
    scores.last.profiles,
    steps,
    style,
  );
  const width = 2 * PROFILE_PANEL.width;
  const aup = (values: number[], m: number) =>
    formatNumber(Math.round((values[m] ?? Number.NaN) * 1000) / 1000);
  const legendTop = PROFILE_PANEL.top + PROFILE_PANEL.plotHeight + 96;
  const legend = legendRows(
    PROFILE_PANEL.left,
    legendTop,
    width - PROFILE_PANEL.left - 20,
    scores.methods.map((method, m) => ({
      label: `${style.label(method)} (${aup(scores.best.aup, m)} | ${aup(scores.last.aup, m)})`,
      color: style.colour(method),
      dashed: method === BASELINE,
    })),
  );
  const height = Math.ceil(legendTop + legend.height + 4);
  return svgDocument(
    width,
    height,
    [
      best.svg,
      last.svg,
      text(
        width / 2,
        PROFILE_PANEL.top + PROFILE_PANEL.plotHeight + 68,
        `${best.note}. Legend: method (Best AUP | Last AUP)`,
        {
          size: 12,
          anchor: "middle",
          fill: "#666",
        },
      ),
      legend.svg,
    ].join("\n"),
  );
}

/** A point of the AUP-vs-cost chart. */
export interface CostPoint {
  model: string;
  cost: number;
  aup: number;
}

const COST_CHART = {
  width: 800,
  height: 500,
  frame: { left: 84, top: 44, width: 680, height: 380 } as Frame,
};
const COST_LABEL_SIZE = 12;
const COST_MARKER_RADIUS = 7;

/** Scales and label positions of the AUP-vs-cost chart (exported so tests can check the labels' boxes). */
export function aupVsCostLayout(points: readonly CostPoint[], style: SeriesStyle) {
  const drawable = points.filter((p) => Number.isFinite(p.cost) && Number.isFinite(p.aup) && p.cost >= 0);
  if (drawable.length === 0 || drawable.every((p) => p.cost === 0))
    throw new Error("cannot draw AUP vs cost: no model has a known, non-zero cost and a finite AUP");
  const { frame } = COST_CHART;
  const xMax = Math.max(...drawable.map((p) => p.cost)) * 1.15;
  const aups = drawable.map((p) => p.aup);
  const yMin = Math.min(...aups) - 0.05;
  const yMax = Math.max(...aups) + 0.05;
  const sx = linearScale([0, xMax], [frame.left, frame.left + frame.width]);
  const sy = linearScale([yMin, yMax], [frame.top + frame.height, frame.top]);
  const anchors = drawable.map((p) => ({ x: sx(p.cost), y: sy(p.aup), text: style.label(p.model) }));
  const bounds = { x: frame.left, y: frame.top, width: frame.width, height: frame.height };
  const labels = placeLabels(anchors, bounds, { size: COST_LABEL_SIZE, radius: COST_MARKER_RADIUS });
  return { points: drawable, xMax, yMin, yMax, anchors, labels };
}

/** One point per model: mean recorded API cost per run against Best AUP, labels placed so they do not overlap. */
export function aupVsCostChart(
  points: readonly CostPoint[],
  style: SeriesStyle = defaultStyle(points.map((p) => p.model)),
): string {
  const { width, height, frame } = COST_CHART;
  const layout = aupVsCostLayout(points, style);
  const marks = layout.points.flatMap((p, i) => {
    const a = layout.anchors[i] as { x: number; y: number; text: string };
    const label = layout.labels[i] as PlacedLabel;
    const leader = label.leader
      ? `<line x1="${fmt(a.x)}" y1="${fmt(a.y)}" x2="${fmt(label.anchor === "end" ? label.box.x + label.box.width : label.box.x)}" y2="${fmt(label.box.y + label.box.height / 2)}" stroke="#999" stroke-width="1"/>`
      : "";
    return [
      leader,
      `<circle cx="${fmt(a.x)}" cy="${fmt(a.y)}" r="${COST_MARKER_RADIUS}" fill="${style.colour(p.model)}" stroke="#222"/>`,
      text(label.x, label.y, a.text, { size: COST_LABEL_SIZE, anchor: label.anchor }),
    ];
  });
  return svgDocument(
    width,
    height,
    [
      text(width / 2, 26, "Best AUP vs mean cost per run", { size: 15, anchor: "middle", weight: "bold" }),
      axes(
        frame,
        { domain: [0, layout.xMax], label: "mean API cost per run (USD, recorded)" },
        { domain: [layout.yMin, layout.yMax], label: "Best AUP" },
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
  if (rows.length === 0 || keys.length === 0)
    throw new Error(`cannot draw '${title}': no rows or no categories`);
  if (values.some((row) => row.some((v) => !Number.isFinite(v))))
    throw new Error(`cannot draw '${title}': a count is not a number`);
  const labelWidth = Math.min(280, 20 + 7.6 * Math.max(...rows.map((r) => r.length), 4));
  const barHeight = 22;
  const frame: Frame = {
    left: labelWidth,
    top: 44,
    width: 520,
    height: Math.max(rows.length, 1) * (barHeight + 8),
  };
  const width = labelWidth + frame.width + 250;
  const height = Math.max(frame.top + frame.height + 60, frame.top + keys.length * 18 + 20);
  const totals = values.map((row) => row.reduce((a, b) => a + b, 0));
  const xMax = Math.max(...totals, 1);
  const ticks = niceTicks(0, xMax);
  const domainMax = Math.max(xMax, ticks.at(-1) ?? xMax);
  const sx = linearScale([0, domainMax], [frame.left, frame.left + frame.width]);
  const bars: string[] = [];
  rows.forEach((row, r) => {
    const y = frame.top + 4 + r * (barHeight + 8);
    bars.push(text(frame.left - 8, y + barHeight / 2 + 4, row, { size: 12, anchor: "end" }));
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
    return `<line x1="${fmt(x)}" y1="${frame.top}" x2="${fmt(x)}" y2="${frame.top + frame.height}" stroke="#e3e3e3"/>${text(x, frame.top + frame.height + 16, formatNumber(t), { size: 12, anchor: "middle" })}`;
  });
  return svgDocument(
    width,
    height,
    [
      text(width / 2, 24, title, { size: 15, anchor: "middle", weight: "bold" }),
      ...grid,
      ...bars,
      text(frame.left + frame.width / 2, frame.top + frame.height + 36, xLabel, {
        size: 13,
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
  style?: SeriesStyle;
}): string {
  const { title, metric, baseline, models, trails } = options;
  const style = options.style ?? defaultStyle(["baseline", ...models]);
  const width = 820;
  const height = 440;
  const frame: Frame = { left: 90, top: 50, width: 540, height: height - 120 };
  const all = trails.flatMap((t) => t.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  if (all.length === 0) throw new Error(`cannot draw '${title}': no run has a finite ${metric}`);
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
    const color = style.colour(trail.model);
    const pts = trail.values.flatMap((v, i) =>
      v === null || !Number.isFinite(v) ? [] : [`${fmt(sx(i + 1))},${fmt(sy(clamp(v)))}`],
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
    ...present.map((m) => ({ label: style.label(m), color: style.colour(m) })),
    ...(baselineLine ? [{ label: style.label(BASELINE), color: "#444", dashed: true }] : []),
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
        { size: 12, anchor: "middle", fill: "#666" },
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
