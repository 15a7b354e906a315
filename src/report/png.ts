import { Resvg } from "@resvg/resvg-js";

/** Width in pixels of every print PNG: 8 inches at 300 dpi, so a figure set at full text width stays sharp. */
export const PRINT_WIDTH_PX = 2400;

/**
 * Renders an SVG to PNG with resvg, using the system's fonts. Without any installed font resvg still renders
 * the chart, only without its text (`systemFonts: false` simulates that machine in tests).
 */
export function svgToPng(svg: string, options: { scale?: number; systemFonts?: boolean } = {}): Buffer {
  const { scale = 1, systemFonts = true } = options;
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: systemFonts, defaultFontFamily: "DejaVu Sans" },
    fitTo: { mode: "zoom", value: scale },
    background: "#ffffff",
    logLevel: "off",
  });
  return resvg.render().asPng();
}

/** The chart's width in SVG pixels (from its root element). */
export function svgWidth(svg: string): number {
  const width = Number(/<svg\b[^>]*\swidth="([\d.]+)"/.exec(svg)?.[1]);
  if (!(width > 0)) throw new Error("not a chart SVG: no width");
  return width;
}

/** A print-resolution PNG: scaled to {@link PRINT_WIDTH_PX} pixels wide, the aspect kept. */
export function svgToPrintPng(svg: string, options: { systemFonts?: boolean } = {}): Buffer {
  return svgToPng(svg, { ...options, scale: PRINT_WIDTH_PX / svgWidth(svg) });
}
