/** A number as Python's repr prints a float (`1e-05`, `1e+16`, `nan`, `inf`); integers print without a fraction. */
export function pyNumber(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exp = "0"] = n.toExponential().split("e");
    const sign = exp.startsWith("-") ? "-" : "+";
    return `${mantissa}e${sign}${exp.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  return String(n);
}

function pyString(s: string): string {
  if (s.includes("'") && !s.includes('"')) return `"${s}"`;
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A flat metrics object as Python's dict repr, as the original shows scores to the agent. */
export function pyDictRepr(metrics: Record<string, number>): string {
  return `{${Object.entries(metrics)
    .map(([k, v]) => `${pyString(k)}: ${pyNumber(v)}`)
    .join(", ")}}`;
}
