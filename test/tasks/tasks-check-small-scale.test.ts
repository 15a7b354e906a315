import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CheckName, checkTask, type TaskCheckReport } from "../../src/run/tasks-check.js";
import { SMALL_SCALE_TASKS, taskYaml } from "./catalogue.js";

// A file of its own (not in tasks-check.test.ts): these checks train models for minutes, and the test runner starts
// files in parallel, so they overlap with the rest of the suite instead of lengthening one file.

const statusOf = (report: TaskCheckReport, check: CheckName) => report.results.find((r) => r.check === check);

describe("mlgym tasks check --scale small on the seven tasks of the second set", () => {
  for (const { id, metric, hidden, sample } of SMALL_SCALE_TASKS) {
    test(id, { timeout: 900_000 }, async () => {
      const report = await checkTask(taskYaml(id), { scale: "small" });
      const failed = report.results.filter((r) => r.status === "fail");
      assert.deepEqual(failed, [], JSON.stringify(failed, null, 2));
      const skipped = report.results.filter((r) => r.status === "skip").map((r) => r.check);
      const expected: CheckName[] = [
        ...(hidden ? [] : ["hidden" as const]),
        ...(sample ? [] : ["sample" as const]),
      ];
      assert.deepEqual(skipped, expected);
      assert.match(statusOf(report, "baseline")!.detail, new RegExp(`^${metric} `));
      assert.match(statusOf(report, "malformed")!.detail, /Evaluation failed: /);
    });
  }
});
