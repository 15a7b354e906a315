"""MountainCarContinuous-v0: a car in a valley must build up momentum to reach the flag on the right hill.

State: position in [-1.2, 0.6], velocity in [-0.07, 0.07]. Action: one force in [-1, 1] (clipped). Each step:
velocity += force * power - cos(3 * position) * gravity (clipped to the speed limit), position += velocity
(clipped to the track; at the goal a backward velocity is zeroed). Reward: -0.1 * action^2, plus 100 on reaching
position >= 0.45 with non-negative velocity, which ends the episode; so does the step limit (999)."""
import jax
import jax.numpy as jnp
from flax import struct

from . import spaces
from .environment import Environment


@struct.dataclass
class EnvState:
    position: jax.Array
    velocity: jax.Array
    time: int


@struct.dataclass
class EnvParams:
    min_action: float = -1.0
    max_action: float = 1.0
    min_position: float = -1.2
    max_position: float = 0.6
    max_speed: float = 0.07
    goal_position: float = 0.45
    goal_velocity: float = 0.0
    power: float = 0.0015
    gravity: float = 0.0025
    max_steps_in_episode: int = 999


class ContinuousMountainCar(Environment):
    """MountainCarContinuous-v0 with gymnax's dynamics."""

    @property
    def default_params(self):
        return EnvParams()

    def step_env(self, key, state, action, params):
        force = jnp.clip(action, params.min_action, params.max_action)
        velocity = state.velocity + force * params.power - jnp.cos(3 * state.position) * params.gravity
        velocity = jnp.clip(velocity, -params.max_speed, params.max_speed)
        position = jnp.clip(state.position + velocity, params.min_position, params.max_position)
        at_goal = position >= params.goal_position
        velocity = velocity * (1 - at_goal * (velocity < 0))
        # The penalty uses the action as given (not clipped), as gymnax does.
        reward = -0.1 * action**2 + 100 * (at_goal * (velocity >= params.goal_velocity))
        state = EnvState(position=position.squeeze(), velocity=velocity.squeeze(), time=state.time + 1)
        done = self.is_terminal(state, params)
        return (
            jax.lax.stop_gradient(self.get_obs(state)),
            jax.lax.stop_gradient(state),
            reward.squeeze(),
            done,
            {"discount": self.discount(state, params)},
        )

    def reset_env(self, key, params):
        position = jax.random.uniform(key, shape=(), minval=-0.6, maxval=-0.4)
        state = EnvState(position=position, velocity=jnp.array(0.0), time=0)
        return self.get_obs(state), state

    def get_obs(self, state, params=None, key=None):
        return jnp.array([state.position, state.velocity]).squeeze()

    def is_terminal(self, state, params):
        reached = (state.position >= params.goal_position) * (state.velocity >= params.goal_velocity)
        return jnp.logical_or(reached, state.time >= params.max_steps_in_episode).squeeze()

    @property
    def name(self):
        return "MountainCarContinuous-v0"

    @property
    def num_actions(self):
        return 1

    def action_space(self, params=None):
        if params is None:
            params = self.default_params
        return spaces.Box(low=params.min_action, high=params.max_action, shape=(1,))

    def observation_space(self, params):
        low = jnp.array([params.min_position, -params.max_speed], dtype=jnp.float32)
        high = jnp.array([params.max_position, params.max_speed], dtype=jnp.float32)
        return spaces.Box(low, high, shape=(2,), dtype=jnp.float32)

    def state_space(self, params):
        return spaces.Dict(
            {
                "position": spaces.Box(params.min_position, params.max_position, (), jnp.float32),
                "velocity": spaces.Box(-params.max_speed, params.max_speed, (), jnp.float32),
                "time": spaces.Discrete(params.max_steps_in_episode),
            }
        )
