import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { guardMultiline } from "../../src/tools/multiline.js";
import { loadToolset } from "../../src/tools/toolset.js";
import { startToolShell, usableBackends } from "./harness.js";

const root = "/work/shared/reference/mlgym-trajectories";
const toolAction = /^(open|goto|scroll_up|scroll_down|create|edit|insert|search_dir|search_file|find_file)\b/;

interface Step {
  action: string;
  observation: string;
}

/** The workspace files a trajectory starts from, read back from the first full `open` view of each file. */
function initialFiles(steps: Step[]): Record<string, string> {
  const files: Record<string, string> = {};
  const changed = new Set<string>();
  let current = "";
  for (const { action, observation } of steps) {
    const a = action.trim();
    const opened = /^(open|create) "?([^"\s]+)"?/.exec(a);
    if (opened) current = opened[2]!;
    if (opened?.[1] === "create") changed.add(current);
    const [header, ...body] = observation.split("\n");
    const full = header?.startsWith("[File:") && !observation.includes(" more lines ");
    if (opened?.[1] === "open" && full && !changed.has(current) && !(current in files)) {
      files[current] = `${body.map((l) => l.replace(/^\d+:/, "")).join("\n")}\n`;
    }
    if (/^(edit|insert)\b/.test(a)) changed.add(current);
  }
  return files;
}

const runs = existsSync(root) ? readdirSync(root).sort() : [];
const endings = loadToolset().multilineEndings;

// One backend suffices here (the conformance table covers both): the isolated one where it works.
const backend = usableBackends().includes("bwrap") ? "bwrap" : "local";
describe(`replaying the original's trajectories on the ${backend} sandbox`, () => {
  for (const run of runs) {
    const trajFile = readdirSync(join(root, run)).find((f) => f.endsWith(".traj"));
    if (!trajFile) continue;
    it(trajFile, async () => {
      const steps = (JSON.parse(readFileSync(join(root, run, trajFile), "utf8")) as { trajectory: Step[] })
        .trajectory;
      const shell = await startToolShell(backend, initialFiles(steps));
      try {
        let compared = 0;
        for (const [i, step] of steps.entries()) {
          const action = step.action.trim();
          if (!toolAction.test(action) && !action.startsWith("cd ")) continue;
          const output = await shell.step(guardMultiline(step.action, endings));
          // Bash's syntax-check message ("/bin/bash: line 5: ...") comes from the shell session, not the tools.
          if (!toolAction.test(action) || step.observation.startsWith("/bin/bash:")) continue;
          const expected = step.observation.replaceAll("/home/agent/workspace", shell.workspace);
          assert.equal(output, expected, `step ${i}: ${step.action.split("\n")[0]}`);
          compared++;
        }
        assert.ok(compared > 5, `only ${compared} tool steps compared`);
      } finally {
        await shell.close();
      }
    });
  }
});
