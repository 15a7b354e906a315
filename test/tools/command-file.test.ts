import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { parseCommandFile } from "../../src/tools/command-file.js";
import { loadToolset } from "../../src/tools/toolset.js";

const script = `#!/usr/bin/env python3

# @yaml
# docstring: prints a greeting
# arguments:
#   who:
#     type: string
#     description: whom to greet
#     required: true
#   times:
#     type: integer
#     description: how often
#     required: false
#     default: 1
import sys
print("hi", sys.argv[1])
`;

/** A function file in the original's format: a plain header comment, a documented function, an undocumented one. */
const functions = `# helpers for the viewer (a plain comment: not docs)

# @yaml
# signature: |-
#   note <title>
#   <text>
#   end_of_note
# docstring: stores a note
#
# end_name: end_of_note
# arguments:
#   title:
#     type: string
#     description: the title
#     required: true
note() {
    # a comment in the body
    cat > "$1"
}

function _helper() {
    echo helper
}

undocumented() {
    echo x
}
`;

function configError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
}

describe("parseCommandFile", () => {
  it("reads a script's single @yaml block and synthesises its signature", () => {
    const [def] = parseCommandFile("/x/greet.py", script);
    assert.deepEqual(def, {
      name: "greet",
      file: "/x/greet.py",
      kind: "script",
      docstring: "prints a greeting",
      signature: "greet <who> [<times>]",
      arguments: {
        who: { type: "string", description: "whom to greet", required: true },
        times: { type: "integer", description: "how often", required: false, default: 1 },
      },
    });
  });

  it("reads bash functions with and without docs, skipping plain comments and bodies", () => {
    const defs = parseCommandFile("/x/notes.sh", functions);
    assert.deepEqual(
      defs.map((d) => [d.name, d.kind, d.docstring, d.signature, d.endName]),
      [
        ["note", "function", "stores a note", "note <title>\n<text>\nend_of_note", "end_of_note"],
        ["_helper", "function", undefined, undefined, undefined],
        ["undocumented", "function", undefined, undefined, undefined],
      ],
    );
  });

  it("defaults a documented function's signature to its name", () => {
    const [def] = parseCommandFile("/x/a.sh", "# @yaml\n# docstring: does a\na() {\n  :\n}\n");
    assert.equal(def?.signature, "a");
  });

  it("treats a '_' file without shebang that is not .sh as a utility", () => {
    assert.deepEqual(parseCommandFile("/x/_lib.py", "def f(): pass\n"), [
      { name: "_lib", file: "/x/_lib.py", kind: "utility" },
    ]);
  });

  it("lets '_' scripts go without docs", () => {
    assert.equal(parseCommandFile("/x/_tool.py", "#!/usr/bin/env python3\nprint(1)\n")[0]?.kind, "script");
  });

  it("parses the default tools", () => {
    const toolset = loadToolset();
    assert.deepEqual(
      toolset.commands.map((c) => c.name),
      [
        "open",
        "goto",
        "scroll_down",
        "scroll_up",
        "create",
        "search_dir",
        "search_file",
        "find_file",
        "edit",
        "insert",
        "submit",
        "validate",
      ],
    );
    assert.deepEqual(toolset.multilineEndings, { edit: "end_of_edit", insert: "end_of_insert" });
    assert.ok(toolset.utilities.some((u) => u.name === "_split_string" && u.kind === "script"));
  });

  describe("malformed files are ConfigErrors naming the file and the problem", () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ["no doc block in a script", "/x/cmd.py", "#!/bin/bash\necho\n", /cmd\.py.*no '# @yaml' doc block/],
      [
        "two doc blocks",
        "/x/cmd",
        "#!/bin/bash\n# @yaml\n# docstring: a\n\n# @yaml\n# docstring: b\n",
        /2 '# @yaml' blocks/,
      ],
      [
        "a script without docstring",
        "/x/cmd",
        "#!/bin/bash\n# @yaml\n# signature: cmd\n",
        /'cmd' has no docstring/,
      ],
      [
        "invalid YAML",
        "/x/f.sh",
        "# @yaml\n# docstring: a: b: c\nf() {\n}\n",
        /f\.sh.*'f' is not valid YAML/,
      ],
      [
        "a doc that is not a mapping",
        "/x/f.sh",
        "# @yaml\n# - a\n# - b\nf() {\n}\n",
        /'f' must be a YAML mapping/,
      ],
      [
        "an unknown key",
        "/x/f.sh",
        "# @yaml\n# docstring: a\n# usage: f\nf() {\n}\n",
        /unknown key 'usage'.*allowed: docstring/,
      ],
      [
        "a non-string docstring",
        "/x/f.sh",
        "# @yaml\n# docstring: [1]\nf() {\n}\n",
        /'docstring' of 'f' must be a string/,
      ],
      [
        "an argument without 'required'",
        "/x/f.sh",
        "# @yaml\n# docstring: a\n# arguments:\n#   n:\n#     type: integer\n#     description: n\nf() {\n}\n",
        /arguments\.n.*needs 'required: true' or 'required: false'/,
      ],
      [
        "arguments as a list",
        "/x/f.sh",
        "# @yaml\n# docstring: a\n# arguments: [n]\nf() {\n}\n",
        /'arguments' of 'f' must map/,
      ],
      ["a file of no known kind", "/x/tool.py", "print(1)\n", /tool\.py.*shebang/],
    ];
    for (const [name, file, content, pattern] of cases)
      it(name, () => configError(() => parseCommandFile(file, content), pattern));
  });
});
