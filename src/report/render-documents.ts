import type { Section } from "./sections.js";
import { esc } from "./svg.js";
import { toMarkdown } from "./tables.js";

/** Markdown summary; figures link to `figures/<name>.<ext>` (PNG preferred, SVG otherwise). */
export function renderMarkdown(
  title: string,
  sections: readonly Section[],
  figureExt: "png" | "svg" | undefined,
): string {
  const parts = [`# ${title}\n`];
  for (const section of sections) {
    parts.push(`## ${section.title}\n`);
    for (const block of section.blocks) {
      if (block.kind === "text") parts.push(`${block.text}\n`);
      else if (block.kind === "table") parts.push(toMarkdown(block.table));
      else if (figureExt) parts.push(`![${block.figure.title}](figures/${block.figure.name}.${figureExt})\n`);
    }
  }
  return parts.join("\n");
}

const STYLE = `body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:2rem auto;max-width:1150px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:0.8rem 0;font-size:0.85rem}th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;text-align:left}
th{background:#f3f3f3}tr:nth-child(even) td{background:#fafafa}figure{margin:1rem 0}figure svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:0.85rem}code{background:#f3f3f3;padding:0 0.2rem}`;

function inlineCode(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, "<code>$1</code>");
}

/** A self-contained HTML page: tables as HTML, figures inlined as SVG (no external files). */
export function renderHtml(title: string, sections: readonly Section[]): string {
  const body: string[] = [`<h1>${esc(title)}</h1>`];
  for (const section of sections) {
    body.push(`<h2>${esc(section.title)}</h2>`);
    for (const block of section.blocks) {
      if (block.kind === "text") body.push(`<p>${inlineCode(block.text)}</p>`);
      else if (block.kind === "table") {
        const [header = [], ...rows] = block.table;
        body.push(
          `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
            .map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`)
            .join("")}</tbody></table>`,
        );
      } else {
        const svg = block.figure.svg.replace(/^<\?xml[^>]*>/, "");
        body.push(`<figure>${svg}<figcaption>${esc(block.figure.title)}</figcaption></figure>`);
      }
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
${body.join("\n")}
</body></html>
`;
}
