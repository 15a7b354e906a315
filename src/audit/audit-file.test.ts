import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AUDIT_FILE, auditRecord, readAuditFile, writeAuditFile } from "./audit-file.js";

test("audit.json: counts, flagged, and a round trip through the schema", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mlgym-audit-file-"));
  assert.deepEqual(await readAuditFile(dir), { kind: "missing" });
  const audit = auditRecord({
    task: "blotto",
    taskFile: null,
    trajectory: "blotto.traj",
    steps: 3,
    flags: [
      {
        step: 2,
        rule: "protected-write",
        severity: "high",
        message: "writes target.py",
        evidence: "cp a target.py",
      },
      { step: 3, rule: "metric-print", severity: "medium", message: "prints", evidence: "print({})" },
    ],
    notes: [],
  });
  assert.equal(audit.flagged, true);
  assert.deepEqual(audit.counts, { high: 1, medium: 1, low: 0 });
  writeAuditFile(dir, audit);
  assert.deepEqual(await readAuditFile(dir), { kind: "ok", audit });

  const cases: Array<[content: string, message: RegExp]> = [
    ["{", /not valid JSON/],
    [JSON.stringify({ ...audit, version: 0 }), /version/],
    [JSON.stringify({ ...audit, flags: [{ ...audit.flags[0], severity: "fatal" }] }), /flags\.0\.severity/],
  ];
  for (const [content, message] of cases) {
    await writeFile(join(dir, AUDIT_FILE), content);
    const read = await readAuditFile(dir);
    assert.equal(read.kind, "invalid");
    assert.match(read.kind === "invalid" ? read.message : "", message);
  }
});
