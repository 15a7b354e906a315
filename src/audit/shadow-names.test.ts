import assert from "node:assert/strict";
import { test } from "node:test";
import { importNamesFromRequirements, runtimePackages, shadowNames } from "./shadow-names.js";

test("importNamesFromRequirements maps distribution names to import names", () => {
  const text = [
    "--extra-index-url https://example.org",
    "# comment",
    "scikit-learn==1.6.1",
    "pillow==12.3.0",
    "python-dateutil==2.9.0",
    'torch==2.13.0+cpu; sys_platform == "linux"',
    'torch==2.13.0; sys_platform != "linux"',
    "Jinja2==3.1.6",
    "typing_extensions==4.16.0",
  ].join("\n");
  assert.deepEqual(importNamesFromRequirements(text), [
    "sklearn",
    "PIL",
    "dateutil",
    "torch",
    "functorch",
    "torchgen",
    "jinja2",
    "typing_extensions",
  ]);
});

test("shadowNames: the standard library, the runtime's packages and the original image's", () => {
  const names = shadowNames();
  for (const name of [
    "json",
    "random",
    "os",
    "numpy",
    "pandas",
    "sklearn",
    "torch",
    "datasets",
    "mlgym_eval",
  ])
    assert.equal(names.get(name), "high", name);
  assert.equal(names.get("code"), "medium");
  for (const name of ["model", "train", "utils", "test", "xgboost"])
    assert.equal(names.has(name), false, name);
  assert.ok(runtimePackages().includes("numpy"));
});
