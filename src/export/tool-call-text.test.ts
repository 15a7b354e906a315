import assert from "node:assert/strict";
import { it } from "node:test";
import { splitToolCalls } from "./tool-call-text.js";

it("splits the calls the agent appended from the model's text", () => {
  const response =
    'I look at the files.\n<tool_call>{"name":"bash","arguments":{"command":"ls -la"}}</tool_call>';
  assert.deepEqual(splitToolCalls(response), {
    text: "I look at the files.",
    calls: [{ name: "bash", arguments: { command: "ls -la" } }],
  });
});

it("keeps several calls in order and a call whose arguments mention the closing tag", () => {
  const a = { name: "bash", arguments: { command: "echo '</tool_call>'" } };
  const b = { name: "validate", arguments: {} };
  const response = `\n<tool_call>${JSON.stringify(a)}</tool_call>\n<tool_call>${JSON.stringify(b)}</tool_call>`;
  assert.deepEqual(splitToolCalls(response), { text: "", calls: [a, b] });
});

it("leaves a fenced answer, and a malformed tag, as text", () => {
  const fenced = "DISCUSSION\nlist\n```\nls\n```";
  assert.deepEqual(splitToolCalls(fenced), { text: fenced, calls: [] });
  const broken = "x\n<tool_call>{not json}</tool_call>";
  assert.deepEqual(splitToolCalls(broken), { text: broken, calls: [] });
});
