/** An axis-aligned box in pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point to label: its marker centre and text. */
export interface LabelAnchor {
  x: number;
  y: number;
  text: string;
}

/** Where a label goes: its text position and anchor, its box, and whether it needs a leader line to its point. */
export interface PlacedLabel {
  x: number;
  y: number;
  anchor: "start" | "end" | "middle";
  box: Box;
  leader: boolean;
}

/** Estimated width of text in the charts' sans-serif font (generous, so estimates do not under-count). */
export const textWidth = (text: string, size: number) => text.length * size * 0.62;

/** Whether two boxes overlap (touching edges do not count). */
export function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

const insideOf = (box: Box, bounds: Box) =>
  box.x >= bounds.x &&
  box.y >= bounds.y &&
  box.x + box.width <= bounds.x + bounds.width &&
  box.y + box.height <= bounds.y + bounds.height;

/**
 * Greedy label placement: each label (top to bottom) takes the first free spot among the eight around its marker;
 * when all are taken it moves up or down in half-line steps, with a leader line back to its marker. Labels never
 * overlap each other or a marker while any free spot is left inside `bounds`.
 */
export function placeLabels(
  anchors: readonly LabelAnchor[],
  bounds: Box,
  options: { size: number; radius: number },
): PlacedLabel[] {
  const { size, radius } = options;
  const height = size * 1.25;
  const markers = anchors.map((a) => ({
    x: a.x - radius,
    y: a.y - radius,
    width: 2 * radius,
    height: 2 * radius,
  }));
  const taken: Box[] = [...markers];
  const placed: PlacedLabel[] = new Array(anchors.length);
  const order = anchors.map((_, i) => i).sort((i, j) => (anchors[i]?.y ?? 0) - (anchors[j]?.y ?? 0));
  const pad = radius + 3;
  for (const i of order) {
    const a = anchors[i] as LabelAnchor;
    const width = textWidth(a.text, size);
    const at = (dx: number, dy: number, anchor: PlacedLabel["anchor"], leader: boolean): PlacedLabel => {
      const left = anchor === "start" ? a.x + dx : anchor === "end" ? a.x + dx - width : a.x + dx - width / 2;
      const top = a.y + dy - height / 2;
      return { x: a.x + dx, y: top + size, anchor, box: { x: left, y: top, width, height }, leader };
    };
    const near = [
      at(pad, -height / 2, "start", false),
      at(pad, height / 2, "start", false),
      at(-pad, -height / 2, "end", false),
      at(-pad, height / 2, "end", false),
      at(pad, 0, "start", false),
      at(-pad, 0, "end", false),
      at(0, -pad - height / 2, "middle", false),
      at(0, pad + height / 2, "middle", false),
    ];
    const far: PlacedLabel[] = [];
    for (let k = 2; k < 80; k++) {
      const dy = Math.ceil(k / 2) * (height / 2) * (k % 2 === 0 ? -1 : 1);
      far.push(at(pad + 8, dy, "start", true), at(-pad - 8, dy, "end", true));
    }
    const fits = (p: PlacedLabel) => insideOf(p.box, bounds) && !taken.some((b) => intersects(b, p.box));
    const choice = near.find(fits) ?? far.find(fits) ?? (near[0] as PlacedLabel);
    taken.push(choice.box);
    placed[i] = choice;
  }
  return placed;
}
