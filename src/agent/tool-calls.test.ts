import assert from "node:assert/strict";
import { test } from "node:test";
import { loadToolset } from "../tools/index.js";
import { FormatError } from "./parser.js";
import { actionFromToolCall, toolSpecs } from "./tool-calls.js";

const toolset = loadToolset();

test("tool specs cover bash and every documented command with typed arguments", () => {
  const specs = toolSpecs(toolset);
  const names = specs.map((s) => s.name);
  for (const name of ["bash", "open", "goto", "edit", "insert", "search_dir", "validate", "submit"]) {
    assert.ok(names.includes(name), name);
  }
  const open = specs.find((s) => s.name === "open")!;
  assert.deepEqual((open.parameters as { required: string[] }).required, ["path"]);
});

test("function calls become the same actions an agent would type", () => {
  const call = (name: string, args: Record<string, unknown>) =>
    actionFromToolCall({ id: "1", name, arguments: args }, toolset);
  assert.equal(call("bash", { command: "ls -la" }), "ls -la");
  assert.equal(call("open", { path: "my file.py", line_number: 30 }), "open 'my file.py' 30");
  assert.equal(call("open", { path: "train.py" }), "open 'train.py'");
  assert.equal(call("goto", { line_number: 12 }), "goto 12");
  assert.equal(
    call("edit", { start_line: 3, end_line: 4, replacement_text: "x = 1\ny = 2\n" }),
    "edit 3:4\nx = 1\ny = 2\nend_of_edit",
  );
  assert.equal(call("submit", {}), "submit");
  assert.throws(() => call("open", {}), FormatError);
  assert.throws(() => call("rm_rf", {}), /Unknown tool 'rm_rf'/);
  assert.throws(() => call("bash", { command: "" }), FormatError);
});
