import { Resvg } from "@resvg/resvg-js";

/**
 * Renders an SVG to PNG with resvg, using the system's fonts. Without any installed font resvg still renders
 * the chart, only without its text.
 */
export function svgToPng(svg: string, scale = 1): Buffer {
  const resvg = new Resvg(svg, {
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    fitTo: { mode: "zoom", value: scale },
    background: "#ffffff",
    logLevel: "off",
  });
  return resvg.render().asPng();
}
