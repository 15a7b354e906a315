// The RL tasks' pieces on the host with the managed runtime: the gymnax stand-in's own unit tests (dynamics, the
// `import gymnax` shim, the comparison with a real gymnax when one is installed) and each task's evaluate.py run by
// hand on untrained checkpoints (a score) and on the malformed submission (a clear refusal).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { evaluationSupportDir } from "../../src/runtime/paths.js";
import { ensurePythonRuntime } from "../../src/runtime/python-runtime.js";
import { type HostWorkspace, hostWorkspace } from "./workspace.js";

const RL_TASKS = ["rlMountainCarContinuous", "rlMetaMazeMisc", "rlBreakoutMinAtar"] as const;

// Five untrained checkpoints of the starter's network (scoring them needs no training).
const UNTRAINED = `
import sys; sys.path.insert(0, 'src')
import jax
from helpers import load_config, save_pkl_object
from networks import get_model_ready
config = load_config('src/config.yaml', 42).train_config
for i, key in enumerate(jax.random.split(jax.random.PRNGKey(0), 5)):
    save_pkl_object({'network': get_model_ready(key, config)[1]}, f'checkpoints/config-42-{i}.pkl')
`;

describe("gymnax stand-in (python/mlgym_gymnax)", () => {
  test("its unit tests pass: dynamics, the gymnax shim, and the comparison with gymnax (skipped without it)", async () => {
    const runtime = await ensurePythonRuntime();
    const r = spawnSync(
      `${runtime.binDir}/python`,
      [
        "-W",
        "ignore",
        "-m",
        "unittest",
        "-v",
        "mlgym_gymnax.test_dynamics",
        "mlgym_gymnax.test_shim",
        "mlgym_gymnax.test_real_gymnax",
      ],
      {
        cwd: evaluationSupportDir(),
        encoding: "utf8",
        timeout: 1_200_000,
        env: { ...process.env, PYTHONPATH: evaluationSupportDir() },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\nOK( \(skipped=\d+\))?\s*$/);
    assert.match(r.stderr, /test_brick_is_broken_and_the_ball_bounces .* ok/);
    // The comparison either ran or says why not.
    assert.match(
      r.stderr,
      /test_breakout \(mlgym_gymnax\.test_real_gymnax[^\n]*\.\.\. (ok|skipped 'gymnax is not installed)/,
    );
  });
});

for (const id of RL_TASKS) {
  describe(`${id} scripts`, () => {
    let ws: HostWorkspace;
    before(async () => {
      ws = await hostWorkspace(id);
      const made = ws.python(["-W", "ignore", "-c", UNTRAINED]);
      assert.equal(made.code, 0, made.stderr);
    });
    after(() => ws.dispose());

    test("five checkpoints and the config score a finite Reward Mean and Reward Std", () => {
      const r = ws.evaluate(["--config_fname", "src/config.yaml"], {
        timeoutMs: 900_000,
        flags: ["-W", "ignore"],
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
      assert.ok(line, r.stdout);
      const metrics = JSON.parse(line) as Record<string, number>;
      assert.deepEqual(Object.keys(metrics).sort(), ["Reward Mean", "Reward Std"]);
      assert.ok(Number.isFinite(metrics["Reward Mean"]) && metrics["Reward Std"]! >= 0, line);
    });

    test("a sixth checkpoint (the malformed submission) is refused with a message", () => {
      cpSync(join(dirname(ws.spec.file), "check", "malformed"), ws.dir, { recursive: true });
      const r = ws.evaluate(["--config_fname", "src/config.yaml"], { flags: ["-W", "ignore"] });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(
        r.stdout,
        /^Evaluation failed: expected 5 checkpoint files checkpoints\/config\*\.pkl .* found 6$/m,
      );
    });
  });
}
