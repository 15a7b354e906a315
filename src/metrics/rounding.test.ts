import assert from "node:assert/strict";
import { test } from "node:test";
import { numpyRound, pythonFloatRepr, pythonRound } from "./rounding.js";

// Expected values produced by Python 3 + numpy: repr(float(np.round(np.float64(x), 3))) and repr(round(x, 3)).
const cases: Array<[x: number, numpy: string, python: string]> = [
  [0.8855, "0.886", "0.885"],
  [0.7835, "0.784", "0.783"],
  [0.0625, "0.062", "0.062"],
  [0.1875, "0.188", "0.188"],
  [0.3125, "0.312", "0.312"],
  [2.5e-5, "0.0", "0.0"],
  [-0.0005, "-0.0", "-0.001"],
  [1e16, "1e+16", "1e+16"],
  [1.5e16, "1.5e+16", "1.5e+16"],
  [123456789.125, "123456789.125", "123456789.125"],
  [-31167493439488.0, "-31167493439488.0", "-31167493439488.0"],
  [0.1 + 0.2, "0.3", "0.3"],
  [100, "100.0", "100.0"],
  [48.8175, "48.818", "48.818"],
  [1.2345, "1.234", "1.234"],
  [2.675, "2.675", "2.675"],
  [-2.675, "-2.675", "-2.675"],
];

test("numpy and Python rounding at 3 decimals match the original's values", () => {
  for (const [x, numpy, python] of cases) {
    assert.equal(pythonFloatRepr(numpyRound(x, 3)), numpy, `numpy round of ${x}`);
    assert.equal(pythonFloatRepr(pythonRound(x, 3)), python, `python round of ${x}`);
  }
});

test("pythonFloatRepr writes floats like Python's repr", () => {
  const reprs: Array<[number, string]> = [
    [0, "0.0"],
    [-0, "-0.0"],
    [0.88, "0.88"],
    [16.158, "16.158"],
    [1e-4, "0.0001"],
    [1.5e-5, "1.5e-05"],
    [1e-5, "1e-05"],
    [9999999999999998, "9999999999999998.0"],
    [1.2345e22, "1.2345e+22"],
    [Number.NaN, "nan"],
    [Number.POSITIVE_INFINITY, "inf"],
  ];
  for (const [x, expected] of reprs) assert.equal(pythonFloatRepr(x), expected, String(x));
});
