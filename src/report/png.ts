import { Resvg } from "@resvg/resvg-js";

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
