import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseCommandFile } from "../../src/tools/command-file.js";
import { renderDocs, substituteVariables } from "../../src/tools/docs.js";
import { loadToolset } from "../../src/tools/toolset.js";

const root = "/work/shared/reference/mlgym-trajectories";

/** The lines of detailed docs that must match the original (docstring and argument wording are our own). */
function skeleton(docs: string): string[] {
  return docs
    .split("\n")
    .map((line) =>
      line.startsWith("  docstring: ")
        ? "  docstring:"
        : line.replace(/^( {4}- \S+ \(\w+\) \[\w+\]):.*/, "$1"),
    );
}

describe("renderDocs", () => {
  it("ParseCommandDetailed matches the original's prompt in names, signatures and argument lines", (t) => {
    const run = existsSync(root) ? readdirSync(root)[0] : undefined;
    if (!run) return t.skip("no reference trajectories");
    const trajFile = readdirSync(join(root, run)).find((f) => f.endsWith(".traj"))!;
    const prompt = (
      JSON.parse(readFileSync(join(root, run, trajFile), "utf8")) as { history: { content: string }[] }
    ).history[0]!.content;
    const reference = prompt.slice(
      prompt.indexOf("COMMANDS:\n") + "COMMANDS:\n".length,
      prompt.indexOf("\n\nPlease note"),
    );
    const ours = loadToolset().docs("ParseCommandDetailed");
    assert.deepEqual(skeleton(ours.trimEnd()), skeleton(reference.trimEnd()));
  });

  it("ParseCommandDetailed block layout", () => {
    const defs = parseCommandFile(
      "/x/t.sh",
      "# @yaml\n# docstring: moves {WINDOW} lines, keeps {OTHER}\n# arguments:\n#   n:\n#     type: integer\n#     description: how far\n#     required: false\nmove() {\n}\nhidden() {\n}\n# @yaml\n# docstring: stops\nstop() {\n}\n",
    );
    assert.equal(
      renderDocs(defs, "ParseCommandDetailed", { WINDOW: "100" }),
      "move:\n  docstring: moves 100 lines, keeps {OTHER}\n  signature: move [<n>]\n  arguments:\n    - n (integer) [optional]: how far\n\nstop:\n  docstring: stops\n  signature: stop\n\n",
    );
    assert.equal(
      renderDocs(defs, "ParseCommandBash", { WINDOW: "100" }),
      "move [<n>] - moves 100 lines, keeps {OTHER}\nstop - stops\n",
    );
  });

  it("fills env variables into docstrings, and says scroll_up moves up", () => {
    const docs = loadToolset({ envVariables: { WINDOW: "50" } }).docs("ParseCommandBash");
    assert.match(docs, /^scroll_down - moves the editor window 50 lines down$/m);
    assert.match(docs, /^scroll_up - moves the editor window 50 lines up$/m);
  });

  it("substituteVariables leaves unknown names and non-names alone", () => {
    assert.equal(substituteVariables("{A} {B} {1} {}", { A: "a" }), "a {B} {1} {}");
  });
});
