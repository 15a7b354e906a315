import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadTaskSpec } from "../../src/config/load-task.js";
import { MLGymEnv } from "../../src/env/env.js";
import { evaluatorArgs } from "../../src/env/evaluation.js";
import { evaluationSupportDir } from "../../src/runtime/paths.js";
import { ensurePythonRuntime, type PythonRuntime } from "../../src/runtime/python-runtime.js";
import { FIXTURE_TASKS, TINY_CSV_SUBMIT_GOOD } from "../helpers/fixtures.js";
import { backendsUnderTest } from "../helpers/sandboxes.js";

// An evaluation ends with the status of its script, not with whatever happens in the interpreter's teardown after
// it: pyarrow's thread pools (pandas.read_parquet) now and then abort the process there ("terminate called without
// an active exception", SIGABRT) after the score is printed, which threw a good submission's score away.

/** Aborts the process in the teardown after the script, as an extension module can: from a destructor run by C's
 * exit (pyarrow's case) and from a module global's finalizer. */
const ABORTS_AT_EXIT = `import ctypes, os
ctypes.CDLL("libc.so.6").__cxa_atexit(ctypes.CDLL("libc.so.6").abort, None, None)
class _Pool:
    def __del__(self):
        os.abort()
_pool = _Pool()
`;

const root = mkdtempSync(join(tmpdir(), "mlgym-evaluation-exit-"));
let runtime: PythonRuntime;

before(async () => {
  runtime = await ensurePythonRuntime();
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs `script` as evaluate.py the way mlgym runs an evaluation (or as plain `python evaluate.py`). */
function run(script: string, how: "evaluation" | "plain" = "evaluation") {
  const dir = mkdtempSync(join(root, "run-"));
  writeFileSync(join(dir, "evaluate.py"), script);
  const args = how === "plain" ? ["evaluate.py"] : evaluatorArgs("evaluate.py", [], evaluationSupportDir());
  const r = spawnSync(join(runtime.binDir, "python"), args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe("an evaluation script's exit status", () => {
  test("a crash in the teardown after the score is printed does not turn the score into a failure", () => {
    const script = `${ABORTS_AT_EXIT}import json\nprint(json.dumps({"accuracy": 0.75}), end="")\n`;
    const plain = run(script, "plain");
    assert.equal(plain.signal, "SIGABRT", "the stand-in crash is real: plain python dies in its teardown");
    const r = run(script);
    assert.deepEqual([r.status, r.signal, r.stdout], [0, null, '{"accuracy": 0.75}'], r.stderr);
  });

  test("sys.exit codes, messages and exceptions give the status Python gives", () => {
    assert.equal(
      run(`${ABORTS_AT_EXIT}import sys\nprint("Evaluation failed: no rows")\nsys.exit(1)\n`).status,
      1,
    );
    assert.equal(run("import sys\nsys.exit(3)\n").status, 3);
    assert.equal(run("import sys\nsys.exit(None)\n").status, 0);
    const message = run('import sys\nsys.exit("Evaluation failed: bad")\n');
    assert.deepEqual([message.status, message.stderr.trim()], [1, "Evaluation failed: bad"]);
    const raised = run('raise ValueError("bad rows")\n');
    assert.equal(raised.status, 1);
    assert.match(raised.stderr, /Traceback[\s\S]*ValueError: bad rows/);
    const fromMain = run('if __name__ == "__main__":\n    print("main")\n');
    assert.deepEqual([fromMain.status, fromMain.stdout], [0, "main\n"]);
  });

  test("what Python does at exit still happens: threads joined, idle executors stopped, atexit handlers, logging", () => {
    const r = run(`${ABORTS_AT_EXIT}import atexit, logging, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
logging.basicConfig(stream=sys.stderr, format="%(message)s")
pool = ThreadPoolExecutor(2)  # never shut down: its idle workers must not hold the exit up
pool.submit(print, "from the pool")
def late():
    time.sleep(0.3)
    print('{"Score": 2}', end="")
threading.Thread(target=late).start()
atexit.register(lambda: sys.stderr.write("atexit ran\\n"))
logging.warning("scoring")
`);
    assert.deepEqual(
      [r.status, r.stdout, r.stderr],
      [0, 'from the pool\n{"Score": 2}', "scoring\natexit ran\n"],
    );
  });
});

for (const { name, skip } of backendsUnderTest().filter((b) => b.name === "local" || b.name === "bwrap")) {
  describe(`an episode on ${name}`, { skip }, () => {
    test("validate scores a submission whose evaluation crashes in its teardown; a real failure still fails", async () => {
      const dir = join(root, `tinyAbortsAtExit-${name}`);
      cpSync(join(FIXTURE_TASKS, "tinyCsv"), dir, { recursive: true });
      const evaluate = join(dir, "starter", "evaluate.py");
      writeFileSync(evaluate, `${ABORTS_AT_EXIT}${readFileSync(evaluate, "utf8")}`);
      const env = new MLGymEnv(loadTaskSpec(join(dir, "task.yaml")), { sandbox: name, maxSteps: 10 });
      try {
        await env.reset({ seed: 1 });
        await env.step(TINY_CSV_SUBMIT_GOOD);
        const scored = await env.step("validate");
        assert.match(scored.observation, /Evaluation Score: \{'accuracy': 1(\.0)?\}/);
        await env.step("echo id,label > submission.csv");
        const failed = await env.step("validate");
        assert.match(failed.observation, /submission must have one row per test id/);
        assert.equal(failed.info.metrics, undefined);
      } finally {
        await env.close();
      }
    });
  });
}
