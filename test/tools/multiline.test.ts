import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { guardMultiline } from "../../src/tools/multiline.js";

const endings = { edit: "end_of_edit", insert: "end_of_insert" };

const table: Array<[name: string, action: string, guarded: string]> = [
  ["a single edit", "edit 1:2\nfoo\nend_of_edit\n", "edit 1:2 << 'end_of_edit'\nfoo\nend_of_edit\n"],
  [
    "an edit without a trailing newline",
    "edit 1:2\nfoo\nend_of_edit",
    "edit 1:2 << 'end_of_edit'\nfoo\nend_of_edit",
  ],
  [
    "an already guarded edit",
    "edit 1:2 << 'end_of_edit'\nfoo\nend_of_edit\n",
    "edit 1:2 << 'end_of_edit'\nfoo\nend_of_edit\n",
  ],
  [
    // The original turned this into "ls\n\nt 1:2 << 'end_of_edit'\n...": the text before a block must survive.
    "text before the block (the original's truncation bug)",
    "ls\nedit 1:2\nfoo\nend_of_edit\n",
    "ls\nedit 1:2 << 'end_of_edit'\nfoo\nend_of_edit\n",
  ],
  [
    "a blank line before the block",
    "ls\n\nedit 1:2\nfoo\nend_of_edit\n",
    "ls\n\nedit 1:2 << 'end_of_edit'\nfoo\nend_of_edit\n",
  ],
  [
    "two blocks with text between and after",
    "edit 1:1\na\nend_of_edit\necho between\ninsert 3\nb\n  c\nend_of_insert\necho after\n",
    "edit 1:1 << 'end_of_edit'\na\nend_of_edit\necho between\ninsert 3 << 'end_of_insert'\nb\n  c\nend_of_insert\necho after\n",
  ],
  ["an empty body", "edit 2:3\nend_of_edit\n", "edit 2:3 << 'end_of_edit'\nend_of_edit\n"],
  [
    "an indented command and a padded end marker",
    "  edit 1:1\nx\nend_of_edit  \n",
    "  edit 1:1 << 'end_of_edit'\nx\nend_of_edit  \n",
  ],
  [
    "a body mentioning the end marker inline",
    "edit 1:1\nx = 'end_of_edit'\nend_of_edit\n",
    "edit 1:1 << 'end_of_edit'\nx = 'end_of_edit'\nend_of_edit\n",
  ],
  ["no end marker", "edit 1:2\nfoo\n", "edit 1:2\nfoo\n"],
  [
    "a longer word starting with the command name",
    "editor 1\nfoo\nend_of_edit\n",
    "editor 1\nfoo\nend_of_edit\n",
  ],
  ["an indented end marker does not end the block", "edit 1:1\n  end_of_edit\n", "edit 1:1\n  end_of_edit\n"],
  ["a plain command", "ls -la\n", "ls -la\n"],
];

describe("guardMultiline", () => {
  for (const [name, action, guarded] of table)
    it(name, () => assert.equal(guardMultiline(action, endings), guarded));

  it("ignores commands it has no ending for", () => {
    assert.equal(guardMultiline("submit\nend_of_edit\n", endings), "submit\nend_of_edit\n");
  });
});
