"""The environment interface of gymnax (the 0.0.x API the original's training code was written for).

`reset(key, params) -> (obs, state)`; `step(key, state, action, params) -> (obs, state, reward, done, info)`, where
a finished episode is replaced by a fresh one in the same call (the returned observation and state are the new
episode's, the reward and `done` are the last transition's). Both are pure functions of their arguments, so they
can be jitted, vmapped and scanned."""
from functools import partial

import jax
from flax import struct


@struct.dataclass
class EnvState:
    """Time step within the episode; each environment extends it."""

    time: int


@struct.dataclass
class EnvParams:
    """Parameters of an environment; each environment extends it."""

    max_steps_in_episode: int = 1


class Environment:
    """Base class: subclasses give `step_env`, `reset_env`, `get_obs`, `is_terminal` and the spaces."""

    @property
    def default_params(self):
        return EnvParams()

    @partial(jax.jit, static_argnames=("self",))
    def step(self, key, state, action, params=None):
        """One transition; a finished episode is reset with a key of its own."""
        if params is None:
            params = self.default_params
        key_step, key_reset = jax.random.split(key)
        obs_step, state_step, reward, done, info = self.step_env(key_step, state, action, params)
        obs_reset, state_reset = self.reset_env(key_reset, params)
        state = jax.tree.map(lambda fresh, kept: jax.lax.select(done, fresh, kept), state_reset, state_step)
        obs = jax.lax.select(done, obs_reset, obs_step)
        return obs, state, reward, done, info

    @partial(jax.jit, static_argnames=("self",))
    def reset(self, key, params=None):
        """A fresh episode."""
        if params is None:
            params = self.default_params
        return self.reset_env(key, params)

    def step_env(self, key, state, action, params):
        raise NotImplementedError

    def reset_env(self, key, params):
        raise NotImplementedError

    def get_obs(self, state, params=None, key=None):
        raise NotImplementedError

    def is_terminal(self, state, params):
        raise NotImplementedError

    def discount(self, state, params):
        """Zero once the episode has ended, else one."""
        return jax.lax.select(self.is_terminal(state, params), 0.0, 1.0)

    @property
    def name(self):
        return type(self).__name__

    @property
    def num_actions(self):
        raise NotImplementedError

    def action_space(self, params=None):
        raise NotImplementedError

    def observation_space(self, params):
        raise NotImplementedError

    def state_space(self, params):
        raise NotImplementedError
