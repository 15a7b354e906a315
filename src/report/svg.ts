// Hand-written SVG building blocks shared by the charts: escaping, scales, ticks, axes and legends.

/** Fonts tried in order; DejaVu ships with most Linux systems (resvg renders no text when none is installed). */
export const FONT_FAMILY = "DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif";

/** A colour-blind-friendly categorical palette (Okabe–Ito without its pale yellow, then Tableau tones). */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#CC79A7",
  "#56B4E9",
  "#000000",
  "#9467bd",
  "#8c564b",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

/** The colour of the i-th series (the palette repeats). */
export const colorAt = (i: number): string => PALETTE[i % PALETTE.length] as string;

/** Escapes text for SVG/HTML content and attribute values. */
export function esc(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

/** Short tick/label text: 4 significant digits, exponent form for very large or tiny values. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-3)) return value.toExponential(1);
  return String(Number(value.toPrecision(4)));
}

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  // Ticks by index, not by `v += step`: when the range is float noise (0.8799891474739241 vs ...243) the step
  // is below the values' precision, `v += step` never advances and the loop grew an array until V8 aborted.
  const first = Math.ceil(min / step);
  const n = Math.floor(max / step + 1e-9) - first + 1;
  if (!Number.isFinite(n) || n < 1 || n > 1000 || min + step === min) return [min, max];
  return Array.from({ length: n }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

/** A linear map from a data domain onto a pixel range. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]) {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v: number) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** Text element; `anchor` is the SVG text-anchor. */
export function text(
  x: number,
  y: number,
  content: string,
  options: {
    size?: number;
    anchor?: "start" | "middle" | "end";
    weight?: string;
    rotate?: number;
    fill?: string;
  } = {},
): string {
  const { size = 12, anchor = "start", weight = "normal", rotate, fill = "#222" } = options;
  const transform = rotate === undefined ? "" : ` transform="rotate(${rotate} ${x} ${y})"`;
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${size}" text-anchor="${anchor}" font-weight="${weight}" fill="${fill}"${transform}>${esc(content)}</text>`;
}

/** A plotting frame: pixel box of the data area. */
export interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Grid lines, tick labels, axis titles and a border for a frame with linear scales. */
export function axes(
  frame: Frame,
  x: { domain: [number, number]; label: string; ticks?: number[] },
  y: { domain: [number, number]; label: string; ticks?: number[] },
): string {
  const sx = linearScale(x.domain, [frame.left, frame.left + frame.width]);
  const sy = linearScale(y.domain, [frame.top + frame.height, frame.top]);
  const parts: string[] = [];
  for (const t of x.ticks ?? niceTicks(x.domain[0], x.domain[1])) {
    const px = sx(t);
    parts.push(
      `<line x1="${px}" y1="${frame.top}" x2="${px}" y2="${frame.top + frame.height}" stroke="#e3e3e3"/>`,
    );
    parts.push(text(px, frame.top + frame.height + 16, formatNumber(t), { size: 12, anchor: "middle" }));
  }
  for (const t of y.ticks ?? niceTicks(y.domain[0], y.domain[1])) {
    const py = sy(t);
    parts.push(
      `<line x1="${frame.left}" y1="${py}" x2="${frame.left + frame.width}" y2="${py}" stroke="#e3e3e3"/>`,
    );
    parts.push(text(frame.left - 6, py + 4, formatNumber(t), { size: 12, anchor: "end" }));
  }
  parts.push(
    `<rect x="${frame.left}" y="${frame.top}" width="${frame.width}" height="${frame.height}" fill="none" stroke="#444"/>`,
  );
  parts.push(
    text(frame.left + frame.width / 2, frame.top + frame.height + 36, x.label, {
      size: 13,
      anchor: "middle",
    }),
  );
  const yMid = frame.top + frame.height / 2;
  parts.push(text(frame.left - 58, yMid, y.label, { size: 13, anchor: "middle", rotate: -90 }));
  return parts.join("\n");
}

/** A vertical legend of coloured swatches starting at (x, y). */
export function legend(
  x: number,
  y: number,
  items: ReadonlyArray<{ label: string; color: string; dashed?: boolean }>,
  options: { background?: boolean } = {},
): string {
  const width = 36 + 7.4 * Math.max(0, ...items.map((i) => i.label.length));
  const box = options.background
    ? `<rect x="${x - 6}" y="${y - 12}" width="${width.toFixed(0)}" height="${items.length * 18 + 6}" fill="#ffffff" fill-opacity="0.85" stroke="#ccc"/>`
    : "";
  return `${box}${items
    .map((item, i) => {
      const cy = y + i * 18;
      const dash = item.dashed ? ' stroke-dasharray="5 3"' : "";
      return `<line x1="${x}" y1="${cy}" x2="${x + 22}" y2="${cy}" stroke="${item.color}" stroke-width="3"${dash}/>${text(x + 28, cy + 4, item.label, { size: 12 })}`;
    })
    .join("\n")}`;
}

/**
 * A legend laid out in rows across `width` pixels (below a chart); returns the SVG and the height it takes.
 */
export function legendRows(
  x: number,
  y: number,
  width: number,
  items: ReadonlyArray<{ label: string; color: string; dashed?: boolean }>,
  size = 12,
): { svg: string; height: number } {
  const rowHeight = size * 1.6;
  const itemWidth = 34 + Math.max(0, ...items.map((i) => i.label.length)) * size * 0.62;
  const columns = Math.max(1, Math.floor(width / itemWidth));
  const parts = items.map((item, i) => {
    const ix = x + (i % columns) * itemWidth;
    const iy = y + Math.floor(i / columns) * rowHeight;
    const dash = item.dashed ? ' stroke-dasharray="5 3"' : "";
    return `<line x1="${ix.toFixed(1)}" y1="${iy.toFixed(1)}" x2="${(ix + 24).toFixed(1)}" y2="${iy.toFixed(1)}" stroke="${item.color}" stroke-width="3"${dash}/>${text(ix + 30, iy + size / 3, item.label, { size })}`;
  });
  return { svg: parts.join("\n"), height: Math.ceil(items.length / columns) * rowHeight };
}

/** Attribute values that are not numbers where numbers belong: the mark of a chart drawn from bad input. */
const BROKEN_ATTRIBUTE =
  /\s(?:x|y|x1|x2|y1|y2|cx|cy|r|width|height|d|points|transform)="[^"]*(?:NaN|Infinity|undefined)/;

/** A complete SVG document with a white background; throws rather than emit coordinates that are not numbers. */
export function svgDocument(width: number, height: number, body: string): string {
  const broken = BROKEN_ATTRIBUTE.exec(body);
  if (broken || !(width > 0 && height > 0)) {
    throw new Error(
      `chart has no drawable geometry (${broken ? broken[0].trim() : `size ${width}x${height}`})`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT_FAMILY}">
<rect width="100%" height="100%" fill="#ffffff"/>
${body}
</svg>
`;
}
