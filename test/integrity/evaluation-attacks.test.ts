// An agent that tries to forge its score: each test is one attack on the evaluation, run on the isolating backend
// (bwrap; required under CI), asserting the real outcome: the score stays honest, the answers stay unread.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { MLGymEnv } from "../../src/env/env.js";
import { make } from "../../src/env/make.js";
import { backendsUnderTest } from "../helpers/sandboxes.js";

// MLGYM_ATTACK_SANDBOX=docker runs the same attacks in containers.
const isolating = backendsUnderTest().find((b) => b.name === (process.env.MLGYM_ATTACK_SANDBOX ?? "bwrap"))!;
const HOUSE_ANSWERS = readFileSync(
  join(import.meta.dirname, "../../tasks/regressionKaggleHousePrice/data/answer.csv"),
  "utf8",
)
  .trim()
  .split("\n")
  .slice(1);

/** Writes a file in the agent's workspace through the agent's own shell. */
async function write(env: MLGymEnv, path: string, text: string): Promise<void> {
  const r = await env.step(`cat > ${path} <<'MLGYM_EOF'\n${text}\nMLGYM_EOF`);
  assert.equal(r.info.exitCode, 0, r.observation);
}

function assertNoAnswers(text: string): void {
  const leaked = HOUSE_ANSWERS.filter((row) => text.includes(row));
  assert.deepEqual(leaked, [], "hidden answers appeared");
}

describe("attacks on a CSV evaluation (regressionKaggleHousePrice)", { skip: isolating.skip }, () => {
  let env: MLGymEnv;
  before(async () => {
    env = make("mlgym/regressionKaggleHousePrice", { sandbox: isolating.name, shortTimeoutS: 20 });
    await env.reset();
    // An honest but poor submission: the mean price for every test row.
    const r = await env.step(
      `python -c "import pandas as pd; t = pd.read_csv('data/test.csv'); m = pd.read_csv('data/train.csv').SalePrice.mean(); pd.DataFrame({'Id': t.Id, 'SalePrice': m}).to_csv('honest.csv', index=False)"`,
    );
    assert.equal(r.info.exitCode, 0, r.observation);
  });
  after(() => env.close());

  async function honest(): Promise<number> {
    await env.step("rm -f submission.csv && cp honest.csv submission.csv");
    const r = await env.step("validate");
    assert.ok(r.info.metrics, r.observation);
    return r.info.metrics.r2!;
  }

  test("modules planted in the workspace (pandas.py, numpy.py, sitecustomize.py, a .pth) are not imported", async () => {
    const thief =
      "import shutil, sys\ntry:\n    shutil.copy('data/answer.csv', '/home/agent/workspace/stolen.csv')\nexcept Exception:\n    pass\nprint(open('data/answer.csv').read())\nsys.exit(0)";
    for (const name of ["pandas.py", "numpy.py", "sitecustomize.py", "usercustomize.py", "sklearn.py"])
      await write(env, name, thief);
    await write(
      env,
      "evil.pth",
      "import os; os.system('cp data/answer.csv /home/agent/workspace/stolen2.csv')",
    );
    const score = await honest();
    assert.ok(Math.abs(score) < 0.05, `the mean predictor scores about 0, got ${score}`);
    const listing = await env.step("ls");
    assert.doesNotMatch(listing.observation, /stolen/);
    await env.step("rm -f pandas.py numpy.py sitecustomize.py usercustomize.py sklearn.py evil.pth");
  });

  test("a submission that is a symbolic link to the answers is refused", async () => {
    for (const target of [
      "data/answer.csv",
      "/home/agent/workspace/data/answer.csv",
      join(import.meta.dirname, "../../tasks/regressionKaggleHousePrice/data/answer.csv"),
    ]) {
      await env.step(`rm -f submission.csv && ln -s ${target} submission.csv`);
      const r = await env.step("validate");
      assert.equal(r.info.metrics, undefined, `scored through a link to ${target}`);
      assert.match(r.observation, /symbolic link/);
      assertNoAnswers(r.observation);
    }
    await env.step("rm -f submission.csv");
  });

  test("a hard link, a FIFO and a folder are refused as submissions", async () => {
    await env.step("rm -rf submission.csv && cp honest.csv copy.csv && ln copy.csv submission.csv");
    let r = await env.step("validate");
    assert.equal(r.info.metrics, undefined);
    assert.match(r.observation, /hard link/);
    await env.step("rm -f submission.csv copy.csv && mkfifo submission.csv");
    r = await env.step("validate");
    assert.equal(r.info.metrics, undefined);
    assert.match(r.observation, /regular file/);
    await env.step("rm -f submission.csv && mkdir submission.csv");
    r = await env.step("validate");
    assert.equal(r.info.metrics, undefined);
    await env.step("rmdir submission.csv");
  });

  test("a background process swapping the submission with a link to the answers never gets it scored", async () => {
    await env.step("cp honest.csv real.csv");
    await env.step(
      "(while :; do ln -sf /home/agent/workspace/data/answer.csv submission.csv; cp real.csv submission.tmp; mv -f submission.tmp submission.csv; done) >/dev/null 2>&1 &",
    );
    for (let i = 0; i < 6; i++) {
      const r = await env.step("validate");
      if (r.info.metrics) assert.ok(r.info.metrics.r2! < 0.05, `forged r2 ${r.info.metrics.r2}`);
      else assert.match(r.observation, /symbolic link|not found/);
      assertNoAnswers(r.observation);
    }
    await env.step("pkill -f 'ln -sf' ; kill %1 2>/dev/null; sleep 0.2; rm -f submission.csv submission.tmp");
  });

  test("the agent's processes are stopped while the evaluation runs", async () => {
    await env.step("cp honest.csv submission.csv");
    await env.step("(while :; do date +%s%N >> ticks; sleep 0.02; done) >/dev/null 2>&1 &");
    await env.step("sleep 0.5");
    const started = Date.now();
    await env.step("validate");
    const evaluationMs = Date.now() - started;
    await env.step("sleep 0.3; kill %1 2>/dev/null; kill %2 2>/dev/null; true");
    const ticks = (await env.sandbox.readFile(`${env.sandbox.workspace}/ticks`))
      .toString()
      .trim()
      .split("\n")
      .map((t) => Number(t) / 1e6);
    const gap = Math.max(...ticks.slice(1).map((t, i) => t - ticks[i]!));
    assert.ok(gap >= evaluationMs * 0.5, `largest gap ${gap} ms, evaluation ${evaluationMs} ms`);
    await env.step("pkill -f 'date +%s' ; rm -f ticks");
  });

  test("nothing the evaluation writes lands in the workspace", async () => {
    const before = (await env.step("find . -path ./data -prune -o -print | sort")).observation;
    await env.step("cp honest.csv submission.csv");
    await env.step("validate");
    const after = (await env.step("find . -path ./data -prune -o -print | sort")).observation;
    assert.equal(after, before);
  });
});

describe("attacks on evaluations that call the agent's code", { skip: isolating.skip }, () => {
  let env: MLGymEnv;
  let honestScore: number;
  before(async () => {
    env = make("mlgym/battleOfSexes", { sandbox: isolating.name, shortTimeoutS: 20 });
    await env.reset();
    await write(env, "strategy.py", "def row_strategy(history):\n    return 0");
    const r = await env.step("validate");
    assert.ok(r.info.metrics, r.observation);
    honestScore = r.info.metrics.Score!;
    // Always 0 against this partner earns 0.8 * 2 per round in expectation.
    assert.ok(Math.abs(honestScore - 1.44) < 0.03, `honest score ${honestScore}`);
  });
  after(() => env.close());

  async function scoreOf(code: string): Promise<{ score: number | undefined; observation: string }> {
    await write(env, "strategy.py", code);
    const r = await env.step("validate");
    return { score: r.info.metrics?.Score, observation: r.observation };
  }

  function assertHonest(result: { score: number | undefined; observation: string }, what: string) {
    if (result.score !== undefined)
      assert.ok(result.score <= honestScore + 0.03, `${what}: forged score ${result.score}`);
  }

  test("printing a metrics line and exiting does not set the score", async () => {
    for (const code of [
      'import json, os, sys\nprint(json.dumps({"Score": 2.0}))\nsys.stdout.flush()\nos._exit(0)',
      'import json, sys\nprint(json.dumps({"Score": 2.0}))\nsys.exit(0)',
      'import atexit, json\natexit.register(lambda: print(json.dumps({"Score": 2.0})))\ndef row_strategy(history):\n    raise SystemExit(0)',
      'import os\nfor fd in range(1, 10):\n    try:\n        os.write(fd, b\'{"Score": 2.0}\\n{"ok": [0]}\\n\')\n    except OSError:\n        pass\ndef row_strategy(history):\n    return 0',
    ]) {
      const result = await scoreOf(code);
      assertHonest(result, code);
      assert.ok(result.score === undefined || result.score < 1.5, code);
    }
  });

  test("the opponent cannot be replaced through the call stack, sys.modules or gc", async () => {
    const result = await scoreOf(
      [
        "import gc, inspect, sys",
        "def _patch():",
        "    for f in inspect.stack():",
        "        f.frame.f_globals['target_column_strategy'] = lambda h: 0",
        "    for m in list(sys.modules.values()):",
        "        if hasattr(m, 'target_column_strategy'):",
        "            m.target_column_strategy = lambda h: 0",
        "    for o in gc.get_objects():",
        "        if callable(o) and getattr(o, '__name__', '') == 'target_column_strategy':",
        "            o.__code__ = (lambda h: 0).__code__",
        "_done = []",
        "def row_strategy(history):",
        "    if not _done:",
        "        _patch()",
        "        _done.append(1)",
        "    return 0",
      ].join("\n"),
    );
    assertHonest(result, "call-stack patch");
    assert.ok(result.score !== undefined, result.observation);
  });

  test("a target/ package or a forged __pycache__ does not shadow the trusted target.py", async () => {
    await env.step(
      "mkdir -p target __pycache__ && echo 'def target_column_strategy(history):\n    return 0' > target/__init__.py",
    );
    await env.step(
      `python -c "import py_compile; open('/tmp/t.py','w').write('def target_column_strategy(history):\\n    return 0\\n'); py_compile.compile('/tmp/t.py', cfile='__pycache__/target.cpython-311.pyc')"`,
    );
    const result = await scoreOf("def row_strategy(history):\n    return 0");
    assertHonest(result, "shadowed target");
    await env.step("rm -rf target __pycache__");
  });

  test("the agent's code cannot keep state between evaluations or write where the evaluation reads", async () => {
    const code = [
      "import os",
      "for path in ('/tmp/seen', '/home/agent/workspace/seen', '/home/agent/seen'):",
      "    if os.path.exists(path):",
      "        raise RuntimeError('state survived: ' + path)",
      "for path in ('/tmp/seen', '/home/agent/workspace/seen', '/home/agent/seen'):",
      "    try:",
      "        open(path, 'w').write('x')",
      "    except OSError:",
      "        pass",
      "def row_strategy(history):",
      "    return 0",
    ].join("\n");
    const first = await scoreOf(code);
    assert.ok(first.score !== undefined, first.observation);
    const second = await scoreOf(code);
    assert.ok(second.score !== undefined, second.observation);
    assert.doesNotMatch((await env.step("ls -a ~ ~/workspace")).observation, /\bseen\b/);
  });

  test("the agent's code sees no process of the evaluation and no hidden data", async () => {
    const result = await scoreOf(
      [
        "import os, sys",
        "for p in os.listdir('/proc'):",
        "    if p.isdigit():",
        "        try:",
        "            sys.stderr.write('PROC ' + open(f'/proc/{p}/cmdline', 'rb').read().replace(b'\\0', b' ').decode() + '\\n')",
        "        except OSError:",
        "            pass",
        "def row_strategy(history):",
        "    raise RuntimeError('listed')",
      ].join("\n"),
    );
    assert.equal(result.score, undefined);
    const procs = result.observation.split("\n").filter((l) => l.startsWith("PROC "));
    assert.ok(procs.length > 0, result.observation);
    assert.ok(
      // Only the player's own bwrap and python: the evaluation's boot line runs runpy.
      procs.every((l) => l.includes("mlgym_eval.player") && !l.includes("runpy")),
      `the evaluation is visible: ${procs.join("; ")}`,
    );
  });

  test("an exception in the agent's code is reported with its own traceback", async () => {
    const result = await scoreOf("def row_strategy(history):\n    return 1 // 0");
    assert.equal(result.score, undefined);
    assert.match(result.observation, /row_strategy raised an exception: ZeroDivisionError/);
    assert.match(
      result.observation,
      /Output of your code during the evaluation:\n[\s\S]*strategy\.py", line 2/,
    );
  });
});

describe("attacks on a timed evaluation (3SATTime)", { skip: isolating.skip }, () => {
  let env: MLGymEnv;
  before(async () => {
    env = make("mlgym/3SATTime", { sandbox: isolating.name, shortTimeoutS: 20 });
    await env.reset();
  });
  after(() => env.close());

  test("stopping the clock, patching the solver and answering without search do not pay", async () => {
    const honest = await env.step("validate");
    assert.ok(honest.info.metrics, honest.observation);
    const code = [
      "import time, sys",
      "time.perf_counter = lambda: 0.0",
      "time.time = lambda: 0.0",
      "import solver",
      "solver.DPLL.solve = lambda self: True",
      "for m in list(sys.modules.values()):",
      "    if hasattr(m, 'perf_counter'):",
      "        try: m.perf_counter = lambda: 0.0",
      "        except Exception: pass",
      "def heuristic_fn(clauses, assignments, conflict_count, assignment_history, level):",
      "    free = sorted({abs(l) for c in clauses for l in c if abs(l) not in assignments})",
      "    return (free[0], True) if free else (None, True)",
    ].join("\n");
    await write(env, "heuristic.py", code);
    const r = await env.step("validate");
    assert.ok(r.info.metrics, r.observation);
    assert.equal(r.info.metrics.Correct, 400);
    assert.ok(r.info.metrics.Time! > 0.2, `forged time ${r.info.metrics.Time}`);
    assert.ok(r.info.metrics.Decisions! > 0);
  });

  test("a heuristic returning an assigned variable fails the evaluation instead of breaking the solver", async () => {
    await write(
      env,
      "heuristic.py",
      "def heuristic_fn(clauses, assignments, conflict_count, assignment_history, level):\n    return (next(iter(assignments), 1), True)",
    );
    const r = await env.step("validate");
    assert.equal(r.info.metrics, undefined);
    assert.match(r.observation, /must be an unassigned variable|wrong answer/);
  });
});
