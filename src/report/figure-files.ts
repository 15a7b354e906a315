import type { Figure } from "./figures.js";
import { svgToPdf } from "./pdf.js";
import { svgToPrintPng } from "./png.js";

/** The files of one figure: the SVG as drawn, a print-resolution PNG and a vector PDF (each only when asked for). */
export interface FigureFiles {
  svg: string;
  png?: Buffer;
  pdf?: Buffer;
}

/** Renders a figure's PNG and PDF as requested; throws (for the caller to skip the figure) when it cannot. */
export async function renderFigureFiles(
  figure: Figure,
  want: { png?: boolean; pdf?: boolean } = { png: true, pdf: true },
): Promise<FigureFiles> {
  return {
    svg: figure.svg,
    ...(want.png ? { png: svgToPrintPng(figure.svg) } : {}),
    ...(want.pdf ? { pdf: await svgToPdf(figure.svg, figure.title) } : {}),
  };
}
