import { existsSync } from "node:fs";
import PDFDocument from "pdfkit";

/**
 * Vector PDF of a chart: reads the small SVG subset the charts emit (rect, line, path, polyline, circle, text
 * with anchor, weight and rotation, dashes and opacity) and draws it with pdfkit. One SVG pixel is 0.75 pt, the
 * CSS ratio, so a 1000-pixel-wide chart is a 750-pt page; LaTeX scales it to the column without losing sharpness.
 */
export const POINTS_PER_PIXEL = 0.75;

/** Fonts embedded when present (DejaVu covers τ, ρ and ×); else the PDF's built-in Helvetica with ASCII stand-ins. */
const FONT_DIRS = [
  "/usr/share/fonts/truetype/dejavu",
  "/usr/share/fonts/TTF",
  "/usr/share/fonts/dejavu",
  "/usr/local/share/fonts",
  "/Library/Fonts",
];

function findFont(file: string): string | undefined {
  return FONT_DIRS.map((dir) => `${dir}/${file}`).find((path) => existsSync(path));
}

const STAND_INS: Record<string, string> = { τ: "tau", ρ: "rho", "≤": "<=", "≥": ">=", "−": "-", "·": "-" };

/** Helvetica speaks WinAnsi only: other characters become readable ASCII. */
function latin(text: string): string {
  return [...text].map((c) => STAND_INS[c] ?? (c.charCodeAt(0) < 256 ? c : "?")).join("");
}

const unescapeXml = (s: string) =>
  s.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&amp;", "&");

function attributes(source: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of source.matchAll(/([\w:-]+)="([^"]*)"/g))
    attrs[m[1] as string] = unescapeXml(m[2] as string);
  return attrs;
}

/** `#abc` -> `#aabbcc`; `none`/absent -> undefined. */
function colour(value: string | undefined): string | undefined {
  if (!value || value === "none") return undefined;
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(value);
  return short ? `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}` : value;
}

const num = (value: string | undefined, fallback = 0) => {
  const n = Number(value);
  return Number.isFinite(n) ? n : fallback;
};

interface Element {
  tag: string;
  attrs: Record<string, string>;
  text: string;
}

/** The drawable elements of an SVG in document order (`<title>` tooltips left out). */
function elements(svg: string): Element[] {
  const out: Element[] = [];
  let open: Element | undefined;
  let inTitle = false;
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)/g)) {
    const [, closing, tag, attrText, selfClosing, content] = m;
    if (content !== undefined) {
      if (open && !inTitle) open.text += unescapeXml(content);
      continue;
    }
    if (tag === "title") inTitle = !closing && !selfClosing;
    else if (tag === "text") {
      if (closing && open) {
        out.push(open);
        open = undefined;
      } else if (!closing) open = { tag, attrs: attributes(attrText ?? ""), text: "" };
    } else if (!closing) out.push({ tag: tag as string, attrs: attributes(attrText ?? ""), text: "" });
  }
  return out;
}

function paint(doc: PDFKit.PDFDocument, attrs: Record<string, string>, draw: () => void): void {
  const fill = colour(attrs.fill);
  const stroke = colour(attrs.stroke);
  if (!fill && !stroke) return;
  doc.save();
  const opacity = num(attrs.opacity, 1);
  if (fill) doc.fillColor(fill).fillOpacity(num(attrs["fill-opacity"], 1) * opacity);
  if (stroke) {
    doc.strokeColor(stroke).strokeOpacity(opacity).lineWidth(num(attrs["stroke-width"], 1));
    const dash = (attrs["stroke-dasharray"] ?? "").split(/[\s,]+/).map(Number);
    if (dash.length >= 2 && dash.every((d) => d > 0))
      doc.dash(dash[0] as number, { space: dash[1] as number });
  }
  draw();
  if (fill && stroke) doc.fillAndStroke();
  else if (fill) doc.fill();
  else doc.stroke();
  doc.restore();
}

/** Renders one of the report's SVG charts as a one-page vector PDF. */
export function svgToPdf(svg: string, title = "MLGym figure"): Promise<Buffer> {
  const root = /<svg\b([^>]*)>/.exec(svg);
  const size = attributes(root?.[1] ?? "");
  const width = num(size.width, Number.NaN);
  const height = num(size.height, Number.NaN);
  if (!(width > 0 && height > 0)) return Promise.reject(new Error("not a chart SVG: no width and height"));
  const doc = new PDFDocument({
    size: [width * POINTS_PER_PIXEL, height * POINTS_PER_PIXEL],
    margin: 0,
    info: { Title: title, Creator: "mlgym-ts", CreationDate: new Date(0) },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  const regular = findFont("DejaVuSans.ttf");
  const bold = findFont("DejaVuSans-Bold.ttf") ?? regular;
  if (regular) doc.registerFont("regular", regular);
  if (bold) doc.registerFont("bold", bold);
  doc.scale(POINTS_PER_PIXEL);
  for (const { tag, attrs, text } of elements(svg)) {
    switch (tag) {
      case "rect": {
        const w = attrs.width === "100%" ? width : num(attrs.width);
        const h = attrs.height === "100%" ? height : num(attrs.height);
        paint(doc, attrs, () => doc.rect(num(attrs.x), num(attrs.y), w, h));
        break;
      }
      case "line":
        paint(doc, { ...attrs, fill: "none" }, () =>
          doc.moveTo(num(attrs.x1), num(attrs.y1)).lineTo(num(attrs.x2), num(attrs.y2)),
        );
        break;
      case "path":
        paint(doc, attrs, () => doc.path(attrs.d ?? ""));
        break;
      case "polyline": {
        const points = (attrs.points ?? "").trim().split(/\s+/).filter(Boolean);
        if (points.length < 2) break;
        paint(doc, attrs, () => {
          points.forEach((p, i) => {
            const [x, y] = p.split(",").map(Number) as [number, number];
            if (i === 0) doc.moveTo(x, y);
            else doc.lineTo(x, y);
          });
        });
        break;
      }
      case "circle":
        paint(doc, attrs, () => doc.circle(num(attrs.cx), num(attrs.cy), num(attrs.r)));
        break;
      case "text": {
        const isBold = attrs["font-weight"] === "bold";
        const font = isBold ? (bold ? "bold" : "Helvetica-Bold") : regular ? "regular" : "Helvetica";
        const content = (isBold ? bold : regular) ? text : latin(text);
        doc.save();
        doc.font(font).fontSize(num(attrs["font-size"], 12));
        doc.fillColor(colour(attrs.fill) ?? "#000000");
        const x = num(attrs.x);
        const y = num(attrs.y);
        const rotate = /rotate\(([-\d.]+)/.exec(attrs.transform ?? "");
        if (rotate) doc.rotate(Number(rotate[1]), { origin: [x, y] });
        const w = doc.widthOfString(content);
        const anchor = attrs["text-anchor"];
        const left = anchor === "middle" ? x - w / 2 : anchor === "end" ? x - w : x;
        doc.text(content, left, y, { lineBreak: false, baseline: "alphabetic" });
        doc.restore();
        break;
      }
      default:
        break;
    }
  }
  doc.end();
  return done;
}
