import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadTaskSpec } from "../../src/config/load-task.js";
import { MLGymEnv } from "../../src/env/env.js";
import { ConfigError } from "../../src/errors.js";
import { ensurePythonRuntime, type PythonRuntime } from "../../src/runtime/python-runtime.js";
import { ensureTaskRuntime, TASK_RUNTIMES_ENV, taskRuntimeDir } from "../../src/runtime/task-runtime.js";
import { FIXTURE_TASKS, TINY_CSV_SUBMIT_GOOD } from "../helpers/fixtures.js";
import { backendsUnderTest } from "../helpers/sandboxes.js";

// tabulate is not in python/requirements.txt; zipp is, at 4.x, so the task's 3.23.0 must shadow it.
const ZIPP = "3.23.0";
const root = mkdtempSync(join(tmpdir(), "mlgym-task-runtime-"));
/** A unique line so that each run of this file builds a task runtime of its own (removed afterwards). */
const PINS = `# ${randomUUID()}\ntabulate==0.10.0\nzipp==${ZIPP}\n`;
const made: string[] = [];

/** tinyCsv copied under `name`, its YAML extended by `yaml` and `files` written into its folder. */
function task(name: string, yaml: string, files: Record<string, string> = {}): string {
  const dir = join(root, name);
  cpSync(join(FIXTURE_TASKS, "tinyCsv"), dir, { recursive: true });
  const file = join(dir, "task.yaml");
  writeFileSync(file, `${readFileSync(file, "utf8").replace("id: tinyCsv", `id: ${name}`)}\n${yaml}`);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  if (files["requirements.txt"]) made.push(taskRuntimeDir(files["requirements.txt"]));
  return file;
}

const evaluate = readFileSync(join(FIXTURE_TASKS, "tinyCsv", "starter", "evaluate.py"), "utf8");
const OWN = task("tinyOwnRuntime", "use_generic_conda: false\nrequirements_path: requirements.txt\n", {
  "requirements.txt": PINS,
  // The evaluation (isolated Python) must see the task's packages too.
  "starter/evaluate.py": `import tabulate  # only in the task runtime\n${evaluate}`,
});
const SHARED = join(FIXTURE_TASKS, "tinyCsv", "task.yaml");
const PROBE = `python -c "import importlib.metadata as m, zipp; print('zipp', m.version('zipp'), zipp.__file__); import tabulate; print('tabulate', tabulate.__version__)"`;

let shared: PythonRuntime;
let own: PythonRuntime;

before(async () => {
  shared = await ensurePythonRuntime();
});

after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

test("two episodes starting at once build one task runtime over the shared one; later ones reuse it", async () => {
  const spec = loadTaskSpec(OWN);
  const logs: string[][] = [[], []];
  const [a, b] = await Promise.all(logs.map((log) => ensureTaskRuntime(spec, (l) => log.push(l))));
  assert.ok(a && b);
  assert.equal(a.dir, b.dir);
  assert.equal(a.dir, taskRuntimeDir(PINS));
  assert.notEqual(a.dir, shared.dir);
  assert.equal(a.base?.dir, shared.dir);
  const creating = logs.flat().filter((l) => l.startsWith("creating the task runtime"));
  assert.equal(creating.length, 1, logs.flat().join("\n"));
  own = a;
  const marker = statSync(join(own.dir, "mlgym-runtime.json"));
  const later: string[] = [];
  const again = await ensureTaskRuntime(spec, (l) => later.push(l));
  assert.equal(again.dir, own.dir);
  assert.deepEqual(later, []);
  assert.equal(statSync(join(own.dir, "mlgym-runtime.json")).mtimeMs, marker.mtimeMs);
  // The shared runtime is untouched: its zipp is still its own.
  const pythonLib = `python${shared.version.split(".").slice(0, 2).join(".")}`;
  assert.ok(existsSync(join(own.dir, "lib", pythonLib, "site-packages", `zipp-${ZIPP}.dist-info`)));
  assert.ok(!existsSync(join(shared.dir, "lib", pythonLib, "site-packages", `zipp-${ZIPP}.dist-info`)));
});

async function probe(file: string, sandbox: string): Promise<{ probe: string; validate: string }> {
  const env = new MLGymEnv(loadTaskSpec(file), { sandbox, maxSteps: 10 });
  try {
    await env.reset({ seed: 1 });
    const result = (await env.step(PROBE)).observation;
    await env.step(TINY_CSV_SUBMIT_GOOD);
    return { probe: result, validate: (await env.step("validate")).observation };
  } finally {
    await env.close();
  }
}

for (const { name, skip } of backendsUnderTest().filter((b) => b.name === "local" || b.name === "bwrap")) {
  describe(`episodes on ${name}`, { skip }, () => {
    test("a task's episode imports its own packages, its pin shadows the shared one, its evaluation sees them", async () => {
      const { probe: out, validate } = await probe(OWN, name);
      assert.match(out, new RegExp(`zipp ${ZIPP.replaceAll(".", "\\.")} ${own.dir}/`));
      assert.match(out, /tabulate 0\.10\.0/);
      assert.match(validate, /Evaluation Score: \{'accuracy': 1(\.0)?\}/);
    });

    if (name === "local")
      test("an episode of a task without requirements_path has the shared packages only", async () => {
        const { probe: out } = await probe(SHARED, name);
        assert.match(out, new RegExp(`zipp \\S+ ${shared.dir}/`));
        assert.doesNotMatch(out, new RegExp(`zipp ${ZIPP.replaceAll(".", "\\.")} `));
        assert.match(out, /ModuleNotFoundError: No module named 'tabulate'/);
      });
  });
}

describe("which runtime a task gets", () => {
  test("use_generic_conda: true keeps the shared runtime, as in the original (requirements_path unused)", async () => {
    const file = task("tinyGeneric", "use_generic_conda: true\nrequirements_path: nowhere.txt\n");
    assert.equal((await ensureTaskRuntime(loadTaskSpec(file))).dir, shared.dir);
  });

  test(`${TASK_RUNTIMES_ENV}=off runs a task with its own requirements on the shared runtime`, async () => {
    process.env[TASK_RUNTIMES_ENV] = "off";
    try {
      assert.equal((await ensureTaskRuntime(loadTaskSpec(OWN))).dir, shared.dir);
    } finally {
      delete process.env[TASK_RUNTIMES_ENV];
    }
  });

  const refused = (file: string, message: RegExp) => (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.equal(error.file, file);
    assert.equal(error.field, "requirements_path");
    assert.match(error.message, message);
    return true;
  };

  test("a missing requirements file is a ConfigError naming the YAML and requirements_path", async () => {
    const file = task("tinyMissing", "use_generic_conda: false\nrequirements_path: nowhere.txt\n");
    const env = new MLGymEnv(loadTaskSpec(file), { sandbox: "local", maxSteps: 3 });
    await assert.rejects(env.reset({ seed: 1 }), refused(file, /'nowhere\.txt' not found/));
    await env.close();
  });

  test("use_generic_conda: false without requirements_path is a ConfigError, as in the original", async () => {
    const file = task("tinyNoPath", "use_generic_conda: false\n");
    await assert.rejects(ensureTaskRuntime(loadTaskSpec(file)), refused(file, /use_generic_conda is false/));
  });

  test("a pip failure is a ConfigError with pip's last lines, and leaves no runtime behind", async () => {
    const pins = `# ${randomUUID()}\nmlgym-no-such-package-zz==1.0\n`;
    const file = task("tinyPipFails", "use_generic_conda: false\nrequirements_path: requirements.txt\n", {
      "requirements.txt": pins,
    });
    await assert.rejects(
      ensureTaskRuntime(loadTaskSpec(file)),
      refused(file, /pip's last lines:[\s\S]*No matching distribution found for mlgym-no-such-package-zz/),
    );
    assert.ok(!existsSync(taskRuntimeDir(pins)));
    assert.ok(!existsSync(`${taskRuntimeDir(pins)}.lock`));
  });
});
