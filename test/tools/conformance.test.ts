import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { guardMultiline } from "../../src/tools/multiline.js";
import { loadToolset } from "../../src/tools/toolset.js";
import { editCases } from "./cases/edit.js";
import { searchCases } from "./cases/search.js";
import type { ToolCase } from "./cases/types.js";
import { viewerCases } from "./cases/viewer.js";
import { startToolShell, usableBackends } from "./harness.js";

const cases: ToolCase[] = [...viewerCases, ...searchCases, ...editCases];
const endings = loadToolset().multilineEndings;

async function runCase(backend: string, c: ToolCase): Promise<void> {
  const shell = await startToolShell(backend, c.files, { readOnly: c.readOnly ?? [] });
  try {
    for (const [i, [action, expected]] of c.steps.entries()) {
      const output = await shell.step(guardMultiline(action, endings));
      if (expected !== undefined) {
        assert.equal(
          output,
          expected.replaceAll("{WS}", shell.workspace),
          `step ${i + 1}: ${action.split("\n")[0]}`,
        );
      }
    }
    for (const [name, content] of Object.entries(c.after ?? {})) {
      assert.equal(readFileSync(join(shell.hostWorkspace, name), "utf8"), content, `content of ${name}`);
    }
  } finally {
    await shell.close();
  }
}

for (const backend of usableBackends()) {
  describe(`tools on the ${backend} sandbox`, () => {
    for (const c of cases) it(c.name, () => runCase(backend, c));
  });
}
