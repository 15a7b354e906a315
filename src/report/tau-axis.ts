/**
 * The x axis of performance profiles, split like the paper's: a fine left part from τ = 0 on a square-root
 * scale (most tasks are decided by ratios near 1, i.e. τ near 0) and, when the curves are flat over a long
 * stretch, a compressed linear right part after a break. τ is log10 of the performance ratio; tick labels give
 * τ and, under it, the ratio 10^τ.
 */
export interface TauSegment {
  from: number;
  to: number;
  /** Pixel range of the segment. */
  x0: number;
  x1: number;
  scale: "sqrt" | "linear";
}

/** A split τ axis: its segments (one or two), the pixel map and the ticks. */
export interface TauAxis {
  segments: TauSegment[];
  /** Pixel x of τ (τ inside the break maps to the break's left edge). */
  x(tau: number): number;
  ticks: Array<{ tau: number; x: number }>;
  /** One line saying how the axis is drawn, for the chart's caption. */
  note: string;
}

/** Share of the panel width the fine part takes when the axis is split. */
const FINE_SHARE = 0.72;
/** Pixels left empty between the two parts. */
const GAP = 12;
/** A flat stretch at least this share of τmax between two changes of any curve is cut out. */
const MIN_CUT = 0.2;
const FINE_TICKS = [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10];

const roundUp = (v: number) => Math.ceil(v * 20 - 1e-9) / 20;
const roundDown = (v: number) => Math.floor(v * 20 + 1e-9) / 20;

function segmentX(s: TauSegment, tau: number): number {
  const t = Math.min(Math.max((tau - s.from) / (s.to - s.from), 0), 1);
  return s.x0 + (s.scale === "sqrt" ? Math.sqrt(t) : t) * (s.x1 - s.x0);
}

function spaced(candidates: number[], s: TauSegment, minGap: number): Array<{ tau: number; x: number }> {
  const ticks: Array<{ tau: number; x: number }> = [];
  for (const tau of candidates) {
    const x = segmentX(s, tau);
    const last = ticks.at(-1);
    if (last && x - last.x < minGap) continue;
    ticks.push({ tau, x });
  }
  return ticks;
}

/** τ values where any profile changes (the curves' steps), sorted and distinct. */
export function profileSteps(taus: readonly number[], profiles: readonly (readonly number[])[]): number[] {
  const steps = new Set<number>();
  for (const profile of profiles)
    profile.forEach((rho, i) => {
      if (i > 0 && rho !== profile[i - 1]) steps.add(taus[i] as number);
    });
  return [...steps].sort((a, b) => a - b);
}

/** Lays the τ axis over pixels [x0, x1] for curves that step at `steps`, up to `tauMax`. */
export function splitTauAxis(steps: readonly number[], tauMax: number, x0: number, x1: number): TauAxis {
  if (!(Number.isFinite(tauMax) && tauMax > 0)) throw new Error(`cannot draw a τ axis up to ${tauMax}`);
  const inside = steps.filter((s) => s > 0 && s <= tauMax);
  let cut: [number, number] | undefined;
  for (let i = 0; i + 1 < inside.length; i++) {
    const a = inside[i] as number;
    const b = inside[i + 1] as number;
    if (b - a >= MIN_CUT * tauMax && (!cut || b - a > cut[1] - cut[0])) cut = [a, b];
  }
  const fineEnd = cut ? roundUp(cut[0] + 0.02 * tauMax) : tauMax;
  const coarseStart = cut ? roundDown(cut[1] - 0.02 * tauMax) : tauMax;
  const segments: TauSegment[] =
    cut && coarseStart > fineEnd && fineEnd < tauMax
      ? [
          { from: 0, to: fineEnd, x0, x1: x0 + (x1 - x0 - GAP) * FINE_SHARE, scale: "sqrt" },
          { from: coarseStart, to: tauMax, x0: x0 + (x1 - x0 - GAP) * FINE_SHARE + GAP, x1, scale: "linear" },
        ]
      : [{ from: 0, to: tauMax, x0, x1, scale: "sqrt" }];
  const [fine, coarse] = segments as [TauSegment, TauSegment | undefined];
  // The fine part always labels its end (the break); the coarse part labels values clear of the break.
  const fineTicks = spaced(
    FINE_TICKS.filter((t) => t < fine.to),
    fine,
    40,
  ).filter((t) => fine.x1 - t.x >= 40);
  const ticks = [...fineTicks, { tau: fine.to, x: fine.x1 }];
  if (coarse) {
    const step = coarse.to - coarse.from > 0.6 ? 0.25 : 0.1;
    const inner: number[] = [];
    for (let t = Math.ceil(coarse.from / step) * step; t <= coarse.to + 1e-9; t += step)
      inner.push(Number(t.toFixed(4)));
    ticks.push(...spaced(inner, coarse, 40).filter((t) => t.x - coarse.x0 >= 36));
  }
  return {
    segments,
    x: (tau) => {
      const s = segments.find((seg) => tau <= seg.to) ?? (segments.at(-1) as TauSegment);
      return tau < s.from ? (segments[0] as TauSegment).x1 : segmentX(s, tau);
    },
    ticks,
    note: coarse
      ? `x axis: square-root scale for τ ≤ ${fine.to}, cut from ${fine.to} to ${coarse.from} (no curve changes there), then linear`
      : "x axis: square-root scale (more room near τ = 0)",
  };
}
