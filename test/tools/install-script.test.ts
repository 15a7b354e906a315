import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { defaultToolsDir, loadToolset } from "../../src/tools/toolset.js";

const dir = mkdtempSync(join(tmpdir(), "mlgym-install-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o644 });
  return path;
}

const greet = file(
  "greet.py",
  "#!/usr/bin/env python3\n# @yaml\n# docstring: greets\nimport sys\nprint('hello', '|'.join(sys.argv[1:]))\n",
);
const hello = file("hello.sh", '# @yaml\n# docstring: says hi\nhello() {\n    echo "hi from $WINDOW"\n}\n');
const data = file("_data.txt", "not sourced\n");

/** Runs bash with the install script first, in a fresh shell with its own HOME. */
function bash(script: string): { status: number | null; out: string } {
  const home = mkdtempSync(join(dir, "home-"));
  const r = spawnSync("bash", ["--noprofile", "--norc", "-c", script], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("installScript", () => {
  it("sources functions, launches scripts through their shebang, sets variables and defines state", () => {
    const toolset = loadToolset({
      commandFiles: [greet, hello, data],
      envVariables: { NOTE: 'it\'s a "note"' },
    });
    const install = toolset.installScript(dir);
    const r = bash(
      `${install}\n${install}\ngreet a 'b c'; hello; echo "$NOTE"; declare -p SEARCH_RESULTS; state; ` +
        `echo "$PATH" | tr ':' '\\n' | grep -c -x -F ${JSON.stringify(dir)}; type -t _data || echo no-data-command`,
    );
    assert.equal(r.status, 0, r.out);
    const workingDir = JSON.stringify(process.cwd());
    assert.equal(
      r.out,
      `hello a|b c\nhi from 1000\nit's a "note"\ndeclare -a SEARCH_RESULTS=()\n{"open_file": "n/a", "working_dir": ${workingDir}}\n1\nno-data-command\n`,
    );
  });

  it("fails with the original's hint when a function file cannot be sourced", () => {
    const broken = file("broken.sh", "broken() {\n    if then\n}\n");
    const r = bash(loadToolset({ commandFiles: [broken] }).installScript(dir));
    assert.notEqual(r.status, 0);
    assert.match(
      r.out,
      /Failed to source .*broken\.sh\. If you meant to make a script, start the file with a shebang/,
    );
  });

  it("installs the default tools quickly", () => {
    const install = loadToolset().installScript(defaultToolsDir());
    const start = Date.now();
    const r = bash(`${install}\ntype -t open edit insert submit validate state _split_string`);
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out, "function\nfunction\nfunction\nfunction\nfunction\nfunction\nfile\n");
    assert.ok(Date.now() - start < 2000, "install took more than 2 s");
  });
});

describe("loadToolset", () => {
  it("rejects unreadable files, duplicate file names and duplicate commands", () => {
    assert.throws(() => loadToolset({ commandFiles: [join(dir, "nope.sh")] }), ConfigError);
    const again = file("again.sh", "# @yaml\n# docstring: again\nhello() {\n}\n");
    assert.throws(() => loadToolset({ commandFiles: [hello, again] }), /command 'hello' is already defined/);
    assert.throws(
      () => loadToolset({ commandFiles: [hello, hello] }),
      /two command files are named 'hello\.sh'/,
    );
  });

  it("rejects env variable names bash cannot assign", () => {
    assert.throws(() => loadToolset({ envVariables: { "BAD-NAME": "1" } }), /BAD-NAME/);
  });
});
