"""The stand-in against a real gymnax, when one is installed: the same keys and actions give the same observations,
rewards and ends of episode for many steps (python -m unittest mlgym_gymnax.test_real_gymnax)."""
import importlib.util
import sys
import unittest

import jax
import jax.numpy as jnp
import numpy as np

import mlgym_gymnax
from mlgym_gymnax.real import find_real_gymnax

SPEC = find_real_gymnax(sys.path)


def load_real():
    module = importlib.util.module_from_spec(SPEC)
    sys.modules["gymnax"] = module
    SPEC.loader.exec_module(module)
    return module


@unittest.skipIf(SPEC is None, "gymnax is not installed (pip install gymnax to compare the stand-in with it)")
class CompareWithGymnaxTest(unittest.TestCase):
    STEPS = 300
    ENVS = 16

    def compare(self, name):
        real = load_real()
        ours_env, ours_params = mlgym_gymnax.make(name)
        real_env, real_params = real.make(name)
        keys = jax.random.split(jax.random.PRNGKey(0), self.ENVS)
        ours = jax.vmap(ours_env.reset, in_axes=(0, None))(keys, ours_params)
        theirs = jax.vmap(real_env.reset, in_axes=(0, None))(keys, real_params)
        np.testing.assert_allclose(np.asarray(ours[0]), np.asarray(theirs[0]), rtol=1e-6, atol=1e-6)
        ours_state, real_state = ours[1], theirs[1]
        space = ours_env.action_space(ours_params)
        rng = jax.random.PRNGKey(1)
        for t in range(self.STEPS):
            rng, rng_act, rng_step = jax.random.split(rng, 3)
            actions = jax.vmap(space.sample)(jax.random.split(rng_act, self.ENVS))
            step_keys = jax.random.split(rng_step, self.ENVS)
            o = jax.vmap(ours_env.step, in_axes=(0, 0, 0, None))(step_keys, ours_state, actions, ours_params)
            r = jax.vmap(real_env.step, in_axes=(0, 0, 0, None))(step_keys, real_state, actions, real_params)
            real_done = jnp.logical_or(r[3], r[4]) if len(r) == 6 else r[3]
            np.testing.assert_allclose(np.asarray(o[0]), np.asarray(r[0]), rtol=1e-5, atol=1e-5, err_msg=f"obs at {t}")
            np.testing.assert_allclose(np.asarray(o[2]), np.asarray(r[2]), rtol=1e-5, atol=1e-5, err_msg=f"reward at {t}")
            np.testing.assert_array_equal(np.asarray(o[3]), np.asarray(real_done), err_msg=f"done at {t}")
            ours_state, real_state = o[1], r[1]

    def test_meta_maze(self):
        self.compare("MetaMaze-misc")

    def test_mountain_car_continuous(self):
        self.compare("MountainCarContinuous-v0")

    def test_breakout(self):
        self.compare("Breakout-MinAtar")


if __name__ == "__main__":
    unittest.main()
