// RL tasks (model submissions whose network code the evaluation must run): an agent that tries to forge its score
// through its network code or through modules planted in the workspace gets exactly its honest score. Run on the
// isolating backend (bwrap), like test/integrity/evaluation-attacks.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { MLGymEnv } from "../../src/env/env.js";
import { make } from "../../src/env/make.js";
import { backendsUnderTest } from "../helpers/sandboxes.js";

const isolating = backendsUnderTest().find((b) => b.name === "bwrap")!;
const FORGED = 1_000_000;

async function write(env: MLGymEnv, path: string, text: string): Promise<void> {
  const r = await env.step(
    `mkdir -p "$(dirname ${path})" && cat > ${path} <<'MLGYM_EOF'\n${text}\nMLGYM_EOF`,
  );
  assert.equal(r.info.exitCode, 0, r.observation);
}

// Five untrained checkpoints of the starter's network: scoring them needs no training.
const UNTRAINED = `python -c "
import sys; sys.path.insert(0, 'src')
import jax
from helpers import load_config, save_pkl_object
from networks import get_model_ready
config = load_config('src/config.yaml', 42).train_config
for i, key in enumerate(jax.random.split(jax.random.PRNGKey(0), 5)):
    save_pkl_object({'network': get_model_ready(key, config)[1]}, f'checkpoints/config-42-{i}.pkl')
"`;

// Appended to src/networks.py: runs in the player process when the evaluation imports the agent's network code.
const NETWORK_ATTACK = `
import glob as _glob
import os as _os
import sys as _sys

_FORGED = '{"Reward Mean": ${FORGED}.0, "Reward Std": 0.0}\\n'
print(_FORGED, flush=True)
for _fd in (1, 2):
    try:
        _os.write(_fd, _FORGED.encode())
    except OSError:
        pass
for _path in [f"/proc/{_os.getppid()}/fd/1"] + _glob.glob("/proc/[0-9]*/fd/1"):
    try:
        with open(f"/proc/{_path.split('/')[2]}/cmdline", "rb") as _cmd:
            if _path != f"/proc/{_os.getppid()}/fd/1" and b"evaluate.py" not in _cmd.read():
                continue
        with open(_path, "w") as _out:
            _out.write(_FORGED)
    except OSError:
        pass
try:
    import mlgym_gymnax.mountain_car_continuous as _car
    _step = _car.ContinuousMountainCar.step_env
    def _rich_step(self, *args):
        obs, state, reward, done, info = _step(self, *args)
        return obs, state, reward + 1000.0, done, info
    _car.ContinuousMountainCar.step_env = _rich_step
except Exception:
    pass
`;

// Planted at the workspace root: the evaluation's folder holds copies of the workspace's files.
const PLANTED = `import os\nprint('{"Reward Mean": ${FORGED}.0, "Reward Std": 0.0}', flush=True)\nos._exit(0)`;

describe("attacks on an RL evaluation (rlMountainCarContinuous)", { skip: isolating.skip }, () => {
  let env: MLGymEnv;
  let honest: Record<string, number>;
  before(async () => {
    env = make("mlgym/rlMountainCarContinuous", { sandbox: "bwrap", shortTimeoutS: 600 });
    await env.reset({ seed: 7 });
    const r = await env.step(UNTRAINED);
    assert.equal(r.info.exitCode, 0, r.observation);
    const v = await env.step("validate");
    assert.ok(v.info.metrics, v.observation);
    honest = v.info.metrics;
    assert.ok(Number.isFinite(honest["Reward Mean"]) && honest["Reward Mean"]! < 100, JSON.stringify(honest));
  });
  after(() => env.close());

  test("network code that prints a metrics line, writes to the evaluation's output and patches the environment scores its honest score", async () => {
    await env.step("cp src/networks.py networks.orig");
    const original = (await env.sandbox.readFile(`${env.sandbox.workspace}/src/networks.py`)).toString(
      "utf8",
    );
    await write(env, "src/networks.py", `${original}\n${NETWORK_ATTACK}`);
    const v = await env.step("validate");
    assert.deepEqual(v.info.metrics, honest, v.observation);
    await env.step("cp networks.orig src/networks.py && rm networks.orig");
  });

  test("modules planted in the workspace (numpy.py, json.py, mlgym_eval/) are not imported by the evaluation", async () => {
    for (const path of ["numpy.py", "json.py", "mlgym_eval/__init__.py"]) await write(env, path, PLANTED);
    const v = await env.step("validate");
    assert.deepEqual(v.info.metrics, honest, v.observation);
    await env.step("rm -rf numpy.py json.py mlgym_eval");
  });

  test("a policy whose outputs are not finite is rejected with a message", async () => {
    await env.step("cp src/networks.py networks.orig");
    await env.step(
      `sed -i 's/return v, MultivariateNormalDiag(mu, scale)/return v, MultivariateNormalDiag(mu * jnp.nan, scale)/' src/networks.py`,
    );
    const v = await env.step("validate");
    assert.equal(v.info.metrics, undefined, v.observation);
    assert.match(v.observation, /Evaluation failed: the agent's network code failed/);
    await env.step("cp networks.orig src/networks.py && rm networks.orig");
  });
});
