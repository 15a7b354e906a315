// The original's tables mix two rounding rules (reference 8.2): numpy's `round` for model values and AUP,
// Python's built-in `round` for the baseline. They differ on a handful of values, so both are reproduced.

/** Rounds half to even, like numpy's `rint`. Exact for |y| < 2^52 (every double above that is an integer). */
export function roundHalfEven(y: number): number {
  if (!Number.isFinite(y) || Math.abs(y) >= 2 ** 52) return y;
  const floor = Math.floor(y);
  const diff = y - floor; // exact for |y| < 2^52
  let rounded: number;
  if (diff < 0.5) rounded = floor;
  else if (diff > 0.5) rounded = floor + 1;
  else rounded = floor % 2 === 0 ? floor : floor + 1;
  // rint keeps the sign of zero: -0.3 -> -0.0, which Python prints as "-0.0".
  return rounded === 0 && y < 0 ? -0 : rounded;
}

/** numpy's `np.round(x, digits)`: scale by 10^digits in float64, round half to even, scale back. */
export function numpyRound(x: number, digits: number): number {
  const scale = 10 ** digits;
  return roundHalfEven(x * scale) / scale;
}

/**
 * Python's `round(x, digits)` on a float: the correctly rounded decimal of the exact binary value, ties to even.
 * `toFixed` also works on the exact value but breaks ties away from zero; an exact tie at `digits` decimals is
 * only possible for x = odd / 2^(digits+1), which is detected and resolved to even.
 */
export function pythonRound(x: number, digits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 2 ** 52) return x;
  const halves = x * 2 ** (digits + 1); // exact: a power-of-two scaling
  if (Number.isInteger(halves) && Math.abs(halves) % 2 === 1) {
    const scaled = x * 10 ** digits; // exact for these dyadic values of moderate size
    return roundHalfEven(scaled) / 10 ** digits;
  }
  return Number(x.toFixed(digits));
}

/** Python's `repr(float)`: shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16, else `1e+16` style. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Number.POSITIVE_INFINITY) return "inf";
  if (x === Number.NEGATIVE_INFINITY) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa = "", exponentText = "0"] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 16) {
    const rest = digits.slice(1);
    const expSign = exponent < 0 ? "-" : "+";
    const expDigits = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${digits[0]}${rest ? `.${rest}` : ""}e${expSign}${expDigits}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fracPart = digits.slice(exponent + 1) || "0";
  return `${sign}${intPart}.${fracPart}`;
}
