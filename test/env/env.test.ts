import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, test } from "node:test";
import { checkEnv } from "../../src/env/check-env.js";
import type { MLGymEnv } from "../../src/env/env.js";
import { listEnvs, make } from "../../src/env/make.js";
import { ConfigError } from "../../src/errors.js";
import { FIXTURE_TASKS } from "../helpers/fixtures.js";
import { backendsUnderTest } from "../helpers/sandboxes.js";

const tasksDirs = [FIXTURE_TASKS];

test("make lists and creates fixture environments; unknown ids list what exists", () => {
  const ids = listEnvs(tasksDirs);
  for (const id of ["mlgym/tinyCsv", "mlgym/tinyPython", "mlgym/tinyModel"]) assert.ok(ids.includes(id), id);
  assert.throws(
    () => make("mlgym/noSuchTask", { tasksDirs }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /unknown task 'noSuchTask'; available: .*tinyCsv/);
      return true;
    },
  );
});

test("an unknown reward mode is a ConfigError at make(), naming the allowed modes", () => {
  assert.throws(
    () => make("mlgym/tinyCsv", { tasksDirs, reward: "improvment" as never }),
    (e: unknown) => e instanceof ConfigError && /reward.*allowed: none, improvement/.test(e.message),
  );
});

for (const { name, skip } of backendsUnderTest()) {
  describe(`environment on ${name}`, { skip }, () => {
    describe("CSV task", () => {
      let env: MLGymEnv;
      before(() => {
        env = make("mlgym/tinyCsv", { tasksDirs, sandbox: name, maxSteps: 20 });
      });
      after(() => env.close());

      test("reset returns the description with dataset docs and the baseline", async () => {
        const { observation, info } = await env.reset({ seed: 1 });
        assert.match(observation, /^Predict the label/);
        assert.match(observation, /TINY:\ntrain\.csv has columns id,x,label/);
        assert.deepEqual(info.baselineScores, { accuracy: 0.6 });
        assert.deepEqual([info.priorityMetric, info.direction], ["accuracy", "maximize"]);
        assert.equal(info.sandbox, name);
        assert.equal(env.currentStep, 0);
      });

      test("the workspace holds starter code and public data; ground truth is absent", async () => {
        assert.equal((await env.step("ls")).observation, "baseline.py\ndata\nevaluate.py");
        assert.equal((await env.step("ls data")).observation, "test.csv\ntrain.csv");
        const cat = await env.step("cat data/answer.csv");
        assert.equal(cat.info.exitCode, 1);
        assert.match(cat.observation, /No such file or directory/);
        const found = await env.step("find / -name answer.csv 2>/dev/null | grep -v '^/proc' | wc -l");
        if (env.sandbox.isolated) assert.equal(found.observation, "0");
      });

      test("validate without a submission explains what is missing and continues", async () => {
        const r = await env.step("validate");
        assert.equal(
          r.observation,
          "Submission artefact not found. You have to produce a valid submission artefact as described in the task description to validate your results.",
        );
        assert.equal(r.terminated || r.truncated, false);
      });

      test("a malformed submission gives the format error with the evaluation's output", async () => {
        await env.step("printf 'id,wrong\\n20,1\\n' > submission.csv");
        const r = await env.step("validate");
        assert.match(r.observation, /^Failed to decode metrics from evaluation script\. Output:\n---\n/);
        assert.match(r.observation, /submission must have the columns id,label/);
        assert.equal(r.info.metrics, undefined);
      });

      test("validate scores a real submission and shows the baseline", async () => {
        await env.step("python baseline.py");
        const r = await env.step("validate");
        assert.equal(
          r.observation,
          `Your code produced a valid submission artefact at ${env.sandbox.workspace}/submission.csv.\nBaseline Score: {'accuracy': 0.6}\nEvaluation Score: {'accuracy': 0.6}`,
        );
        assert.deepEqual(r.info.metrics, { accuracy: 0.6 });
        assert.deepEqual(r.info.scores, [{ accuracy: 0.6 }]);
      });

      test("blocked, empty and malformed actions are refused without running", async () => {
        assert.match(
          (await env.step("vim notes.txt")).observation,
          /^Interactive operation 'vim' is not supported/,
        );
        assert.match(
          (await env.step("python")).observation,
          /^Interactive operation 'python' is not supported/,
        );
        assert.match((await env.step("   ")).observation, /^No command was given/);
        assert.match((await env.step("edit 1:2\nfoo")).observation, /^Malformed edit command/);
      });

      test("submit evaluates the better submission and terminates", async () => {
        await env.step(
          "python3 -c \"import csv; rows=list(csv.DictReader(open('data/test.csv'))); open('submission.csv','w').write('id,label\\n'+''.join(f\\\"{r['id']},{int(float(r['x'])>0.5)}\\n\\\" for r in rows))\"",
        );
        const r = await env.step("submit");
        assert.equal(r.observation, "Exited (submit)");
        assert.equal(r.terminated, true);
        assert.equal(r.truncated, false);
        assert.equal(r.info.exitStatus, "submitted");
        assert.deepEqual(r.info.metrics, { accuracy: 1 });
        assert.deepEqual(env.evaluationHistory, [{ accuracy: 0.6 }, { accuracy: 1 }]);
        await assert.rejects(env.step("ls"), /after the episode ended/);
      });
    });

    test("evaluation files are read-only and the evaluation runs the trusted copy", async () => {
      const env = make("tinyCsv", { tasksDirs, sandbox: name });
      try {
        await env.reset();
        const write = await env.step('echo \'print("{\\"accuracy\\": 1.0}")\' > evaluate.py');
        if (env.sandbox.isolated) {
          assert.notEqual(write.info.exitCode, 0);
          assert.match(write.observation, /Read-only file system/);
        }
        await env.step(
          "chmod u+w evaluate.py 2>/dev/null; echo 'print(1)' > evaluate.py 2>/dev/null; python baseline.py",
        );
        const r = await env.step("validate");
        assert.deepEqual(r.info.metrics, { accuracy: 0.6 });
      } finally {
        await env.close();
      }
    });

    test("the N-th step runs its action and truncates with an autosubmission; a step after it throws", async () => {
      const env = make("tinyCsv", { tasksDirs, sandbox: name, maxSteps: 2 });
      try {
        await env.reset();
        const first = await env.step("python baseline.py");
        assert.equal(first.truncated || first.terminated, false);
        const r = await env.step("echo two");
        assert.equal(r.observation, "two", "the last step's observation is its action's output");
        assert.equal(r.truncated, true);
        assert.equal(r.terminated, false);
        assert.equal(r.info.step, 2);
        assert.equal(r.info.exitStatus, "autosubmission (max_steps)");
        assert.deepEqual(r.info.metrics, { accuracy: 0.6 });
        assert.deepEqual(r.info.scores, [{ accuracy: 0.6 }]);
        await assert.rejects(
          env.step("echo three"),
          /step\(\) called after the episode ended \(2 of 2 steps taken\); call reset\(\)/,
        );
        assert.equal(env.currentStep, 2, "the refused call is not counted");
      } finally {
        await env.close();
      }
    });

    test("exit actions end the episode with the original's statuses", async () => {
      const env = make("tinyCsv", { tasksDirs, sandbox: name });
      try {
        const cases: Array<[string, string, boolean]> = [
          ["exit_cost", "submission_not_found (exit_cost)", false],
          ["exit_format", "submission_not_found (exit_format)", false],
          ["exit_forfeit", "exit_forfeit", true],
          ["skip", "skipped", true],
        ];
        for (const [action, status, terminated] of cases) {
          await env.reset();
          const r = await env.step(action);
          assert.equal(r.info.exitStatus, status, action);
          assert.equal(r.terminated, terminated, action);
          assert.equal(r.truncated, !terminated, action);
        }
        await env.reset();
        await env.step("python baseline.py");
        assert.equal((await env.step("exit_context")).info.exitStatus, "autosubmission (exit_context)");
      } finally {
        await env.close();
      }
    });

    test("Python-submission task: edits are evaluated; checkEnv passes", async () => {
      const env = make("tinyPython", { tasksDirs, sandbox: name, reward: "improvement" });
      try {
        assert.deepEqual(await checkEnv(env), []);
        await env.reset();
        const first = await env.step("validate");
        assert.deepEqual(first.info.metrics, { Score: 7 });
        assert.equal(first.reward, 0);
        await env.step("sed -i 's/return 4/return 6/' strategy.py");
        const better = await env.step("validate");
        assert.deepEqual(better.info.metrics, { Score: 9 });
        assert.ok(Math.abs(better.reward - 2 / 7) < 1e-12, `reward ${better.reward}`);
        const done = await env.step("submit");
        assert.equal(done.info.exitStatus, "submitted");
        assert.equal(done.info.submission, `${env.sandbox.workspace}/target.py`);
        assert.equal(done.reward, 0);
      } finally {
        await env.close();
      }
    });

    test("model-submission task: the config YAML is found and the first JSON line read", async () => {
      const env = make("tinyModel", { tasksDirs, sandbox: name });
      try {
        await env.reset();
        await env.step("sed -i 's/weight: 2/weight: 4/' src/config.yaml");
        const r = await env.step("validate");
        assert.deepEqual(r.info.metrics, { Loss: 0 });
        assert.equal(r.info.submission, `${env.sandbox.workspace}/src/config.yaml`);
        await env.step("rm src/config.yaml");
        assert.match((await env.step("validate")).observation, /^Submission artefact not found/);
      } finally {
        await env.close();
      }
    });

    test("thread pools are sized to the sandbox's CPU share and wait passively; a python process sees it", async () => {
      const env = make("tinyCsv", { tasksDirs, sandbox: name, limits: { cpus: 1.5 } });
      try {
        await env.reset();
        const r = await env.step(
          "python3 -c \"import os; print(*[os.environ.get(k) for k in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'OMP_WAIT_POLICY')])\"",
        );
        assert.equal(r.observation, "1 1 1 PASSIVE");
      } finally {
        await env.close();
      }
    });

    test("a short timeout stops a long command and the episode goes on", async () => {
      const env = make("tinyCsv", { tasksDirs, sandbox: name, shortTimeoutS: 1 });
      try {
        await env.reset();
        const r = await env.step("sleep 30");
        assert.equal(r.info.timedOut, "total");
        assert.match(
          r.observation,
          /EXECUTION TIMED OUT BECAUSE THE COMMAND WAS RUNNING FOR MORE THAN 1 SECONDS/,
        );
        assert.equal((await env.step("echo ok")).observation, "ok");
      } finally {
        await env.close();
      }
    });

    // The local backend does not isolate the network by design (`mlgym doctor` says so); only isolating ones are held to it.
    const isolating = name !== "local";
    test("the network is unreachable from the sandbox when the task forbids it", {
      skip: !isolating && "local has no network isolation",
    }, async () => {
      const server = createServer((socket) => socket.end("hello from the host\n"));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as { port: number }).port;
      const env = make("tinyCsv", { tasksDirs, sandbox: name });
      try {
        await env.reset();
        const probe = `python3 -c "import socket; s=socket.create_connection(('127.0.0.1', ${port}), timeout=3); print(s.recv(100))"`;
        const r = await env.step(probe);
        assert.notEqual(r.info.exitCode, 0);
        assert.match(r.observation, /ConnectionRefusedError|Network is unreachable|timed out/);
        assert.doesNotMatch(r.observation, /hello from the host/);
      } finally {
        await env.close();
        server.close();
      }
    });
  });
}

test("reset computes missing baseline scores by running the baseline, then cleans the workspace", async () => {
  const { cpSync, mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "mlgym-nobaseline-"));
  cpSync(join(FIXTURE_TASKS, "tinyCsv"), join(dir, "tinyCsv"), { recursive: true });
  const yaml = join(dir, "tinyCsv", "task.yaml");
  writeFileSync(yaml, readFileSync(yaml, "utf8").replace("baseline_scores:\n  - accuracy: 0.6\n", ""));
  const env = make("tinyCsv", { tasksDirs: [dir] });
  try {
    const { info } = await env.reset();
    assert.deepEqual(info.baselineScores, { accuracy: 0.6 });
    assert.equal(
      (await env.step("ls")).observation,
      "baseline.py\ndata\nevaluate.py",
      "submission.csv was removed",
    );
  } finally {
    await env.close();
  }
});

test("a multi-line command without its end line is refused before it runs", async () => {
  const env = make("tinyPython", { tasksDirs });
  try {
    await env.reset();
    await env.step('open "strategy.py"');
    const r = await env.step("insert 1\n# a comment");
    assert.match(
      r.observation,
      /^Malformed insert command\. Please ensure you use the `end_of_insert` keyword/,
    );
    assert.equal((await env.step("wc -l < strategy.py")).observation, "3");
  } finally {
    await env.close();
  }
});

test("interrupt() stops the running command like Ctrl-C; the shell and the episode go on", async () => {
  const env = make("tinyPython", { tasksDirs });
  try {
    await env.reset();
    await env.step("export KEPT=yes");
    const started = performance.now();
    const running = env.step("echo begun; sleep 20; sleep 20");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(env.stepInProgress, true);
    await env.interrupt();
    const r = await running;
    assert.ok(performance.now() - started < 10_000, "the sleep was cut short");
    assert.match(r.observation, /^begun\n\^C \(the command was interrupted\)$/);
    assert.equal(r.terminated || r.truncated, false);
    assert.equal(env.stepInProgress, false);
    assert.equal((await env.step("echo $KEPT")).observation, "yes");
  } finally {
    await env.close();
  }
});
