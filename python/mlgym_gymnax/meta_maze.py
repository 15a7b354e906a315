"""MetaMaze-misc (Miconi et al., 2019): a 9x9 grid maze with a hidden goal cell, fixed for the whole episode.

The agent starts in the centre and moves up/right/down/left (actions 0-3); a move into a wall leaves it in place.
Reaching the goal gives reward 10 and sends the agent to a uniformly drawn free cell (the goal stays), so an episode
rewards finding the goal and then returning to it quickly. The observation is the 3x3 neighbourhood of walls
(1 = wall, row-major), the one-hot last action, the last reward and the time step. Episodes last 200 steps (they also
end if the agent is dropped onto the goal)."""
import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from . import spaces
from .environment import Environment


@struct.dataclass
class EnvState:
    last_action: int
    last_reward: jax.Array
    pos: jax.Array
    goal: jax.Array
    time: float


@struct.dataclass
class EnvParams:
    reward: float = 10.0
    punishment: float = 0.0
    normalize_time: bool = False
    max_steps_in_episode: int = 200


def maze_layout(maze_size, rf_size):
    """Free cells (True) of the maze padded by walls as wide as the receptive field's reach: even rows are open,
    odd rows have a wall in every other column."""
    pad = (rf_size - 1) // 2
    width = maze_size + 2 * pad
    free = np.zeros((width, width), dtype=bool)
    for r in range(maze_size):
        for c in range(maze_size):
            free[pad + r, pad + c] = r % 2 == 0 or c % 2 == 0
    return jnp.array(free)


def time_normalization(t, min_lim=-1.0, max_lim=1.0, t_max=100):
    """Time mapped linearly from [0, t_max] to [min_lim, max_lim]."""
    return (max_lim - min_lim) * t / t_max + min_lim


class MetaMaze(Environment):
    """MetaMaze-misc with gymnax's dynamics."""

    def __init__(self, maze_size=9, rf_size=3):
        if maze_size % 2 == 0 or rf_size % 2 == 0 or rf_size < 3:
            raise ValueError("maze_size and rf_size must be odd, rf_size at least 3")
        self.maze_size = maze_size
        self.rf_size = rf_size
        self.rf_off = jnp.int32((rf_size - 1) // 2)
        self.env_map = maze_layout(maze_size, rf_size)
        centre = jnp.int32((self.env_map.shape[0] - 1) // 2 + self.rf_off - 1)
        self.center_position = jnp.array([centre, centre])
        self.occupied_map = 1 - self.env_map
        self.coords = jnp.array(np.argwhere(np.asarray(self.env_map)))
        self.directions = jnp.array([[-1, 0], [0, 1], [1, 0], [0, -1]])
        self.available_goals = self.coords

    @property
    def default_params(self):
        return EnvParams()

    def step_env(self, key, state, action, params):
        target = state.pos + self.directions[action]
        in_map = self.env_map[target[0], target[1]]
        new_pos = jax.lax.select(in_map, target, state.pos)
        goal_reached = jnp.logical_and(new_pos[0] == state.goal[0], new_pos[1] == state.goal[1])
        reward = goal_reached * params.reward + (1 - in_map) * params.punishment
        new_pos = jax.lax.select(goal_reached, random_cell(key, self.coords), new_pos)
        state = EnvState(last_action=action, last_reward=reward, pos=new_pos, goal=state.goal, time=state.time + 1)
        done = self.is_terminal(state, params)
        return (
            jax.lax.stop_gradient(self.get_obs(state, params)),
            jax.lax.stop_gradient(state),
            reward,
            done,
            {"discount": self.discount(state, params)},
        )

    def reset_env(self, key, params):
        state = EnvState(
            last_action=0,
            last_reward=jnp.array(0.0),
            pos=self.center_position,
            goal=random_cell(key, self.available_goals),
            time=0.0,
        )
        return self.get_obs(state, params), state

    def get_obs(self, state, params, key=None):
        view = jax.lax.dynamic_slice(
            self.occupied_map,
            (state.pos[0] - self.rf_off, state.pos[1] - self.rf_off),
            (self.rf_size, self.rf_size),
        ).reshape(-1)
        last_action = jax.nn.one_hot(state.last_action, self.num_actions).squeeze()
        time = jax.lax.select(params.normalize_time, time_normalization(state.time), state.time)
        return jnp.hstack([view, last_action, state.last_reward, time])

    def is_terminal(self, state, params):
        on_goal = jnp.logical_and(state.pos[0] == state.goal[0], state.pos[1] == state.goal[1])
        return jnp.logical_or(on_goal, state.time >= params.max_steps_in_episode)

    @property
    def name(self):
        return "MetaMaze-misc"

    @property
    def num_actions(self):
        return 4

    def action_space(self, params=None):
        return spaces.Discrete(4)

    def observation_space(self, params):
        size = self.rf_size**2 + self.num_actions + 2
        low = jnp.zeros(size, dtype=jnp.float32)
        high = jnp.array(
            (self.rf_size**2 + self.num_actions) * [1] + [1, params.max_steps_in_episode], dtype=jnp.float32
        )
        return spaces.Box(low, high, (size,), jnp.float32)

    def state_space(self, params):
        big = jnp.finfo(jnp.float32).max
        return spaces.Dict(
            {
                "last_action": spaces.Discrete(self.num_actions),
                "last_reward": spaces.Box(-big, big, (), jnp.float32),
                "pos": spaces.Box(jnp.min(self.coords), jnp.max(self.coords), (2,), jnp.float32),
                "goal": spaces.Box(jnp.min(self.coords), jnp.max(self.coords), (2,), jnp.float32),
                "time": spaces.Discrete(params.max_steps_in_episode),
            }
        )


def random_cell(key, cells):
    """A uniformly drawn row of `cells`."""
    return cells[jax.random.randint(key, (), 0, cells.shape[0])]
