"""Breakout-MinAtar: a 10x10 Breakout (Young and Tian's MinAtar).

The paddle moves along the bottom row (minimal actions: stay, left, right); the ball moves one cell diagonally per
step and bounces off the side walls, the ceiling, bricks and the paddle. Three rows of bricks (rows 1-3) give +1
each when hit (the ball then bounces back); when all are gone and the ball reaches the bottom row, they come back.
The episode ends when the ball reaches the bottom row away from the paddle, or after 1000 steps. Observation:
10x10x4 channels (paddle, ball, ball's previous cell as a trail, bricks). Ball directions: 0 up-left, 1 up-right,
2 down-right, 3 down-left."""
import jax
import jax.numpy as jnp
from flax import struct

from . import spaces
from .environment import Environment


@struct.dataclass
class EnvState:
    ball_y: jax.Array
    ball_x: jax.Array
    ball_dir: jax.Array
    pos: int
    brick_map: jax.Array
    strike: bool
    last_y: jax.Array
    last_x: jax.Array
    time: int
    terminal: bool


@struct.dataclass
class EnvParams:
    max_steps_in_episode: int = 1000


# Direction after a bounce: off a side wall (x flips), off the ceiling/brick/paddle edge (y flips), back the way
# it came (both flip, when the ball meets the paddle diagonally).
FLIP_X = jnp.array([1, 0, 3, 2])
FLIP_Y = jnp.array([3, 2, 1, 0])
FLIP_BOTH = jnp.array([2, 3, 0, 1])


class MinBreakout(Environment):
    """Breakout-MinAtar with gymnax's dynamics."""

    def __init__(self, use_minimal_action_set=True):
        self.obs_shape = (10, 10, 4)
        self.full_action_set = jnp.array([0, 1, 2, 3, 4, 5])
        self.minimal_action_set = jnp.array([0, 1, 3])
        self.action_set = self.minimal_action_set if use_minimal_action_set else self.full_action_set

    @property
    def default_params(self):
        return EnvParams()

    def step_env(self, key, state, action, params):
        state, new_x, new_y = move_paddle_and_ball(state, self.action_set[action])
        state, reward = collide(state, new_x, new_y)
        state = state.replace(time=state.time + 1)
        done = self.is_terminal(state, params)
        state = state.replace(terminal=done)
        return (
            jax.lax.stop_gradient(self.get_obs(state)),
            jax.lax.stop_gradient(state),
            reward.astype(jnp.float32),
            done,
            {"discount": self.discount(state, params)},
        )

    def reset_env(self, key, params):
        side = jax.random.choice(key, jnp.array([0, 1]), shape=())
        x = jnp.array([0, 9])[side]
        state = EnvState(
            ball_y=jnp.array(3),
            ball_x=x,
            ball_dir=jnp.array([2, 3])[side],
            pos=4,
            brick_map=jnp.zeros((10, 10)).at[1:4, :].set(1),
            strike=False,
            last_y=jnp.array(3),
            last_x=x,
            time=0,
            terminal=False,
        )
        return self.get_obs(state), state

    def get_obs(self, state, params=None, key=None):
        obs = jnp.zeros(self.obs_shape, dtype=bool)
        obs = obs.at[9, state.pos, 0].set(True)
        obs = obs.at[state.ball_y, state.ball_x, 1].set(True)
        obs = obs.at[state.last_y, state.last_x, 2].set(True)
        obs = obs.at[:, :, 3].set(state.brick_map != 0)
        return obs.astype(jnp.float32)

    def is_terminal(self, state, params):
        return jnp.logical_or(state.time >= params.max_steps_in_episode, state.terminal)

    @property
    def name(self):
        return "Breakout-MinAtar"

    @property
    def num_actions(self):
        return len(self.action_set)

    def action_space(self, params=None):
        return spaces.Discrete(len(self.action_set))

    def observation_space(self, params):
        return spaces.Box(0, 1, self.obs_shape)

    def state_space(self, params):
        return spaces.Dict(
            {
                "ball_y": spaces.Discrete(10),
                "ball_x": spaces.Discrete(10),
                "ball_dir": spaces.Discrete(10),
                "pos": spaces.Discrete(10),
                "brick_map": spaces.Box(0, 1, (10, 10)),
                "strike": spaces.Discrete(2),
                "last_y": spaces.Discrete(10),
                "last_x": spaces.Discrete(10),
                "time": spaces.Discrete(params.max_steps_in_episode),
                "terminal": spaces.Discrete(2),
            }
        )


def move_paddle_and_ball(state, action):
    """Moves the paddle (1 left, 3 right) and the ball one diagonal cell, bouncing it off the side walls. Returns the
    state with the new paddle position, the trail and the direction, and the ball's new cell (y not yet checked)."""
    pos = (
        jnp.maximum(0, state.pos - 1) * (action == 1)
        + jnp.minimum(9, state.pos + 1) * (action == 3)
        + state.pos * jnp.logical_and(action != 1, action != 3)
    )
    d = state.ball_dir
    new_x = state.ball_x + jnp.where((d == 1) | (d == 2), 1, -1)
    new_y = state.ball_y + jnp.where(d <= 1, -1, 1)
    off_side = jnp.logical_or(new_x < 0, new_x > 9)
    new_x = jax.lax.select(off_side, 9 * (new_x > 9), new_x)
    ball_dir = jax.lax.select(off_side, FLIP_X[d], d)
    return state.replace(pos=pos, last_x=state.ball_x, last_y=state.ball_y, ball_dir=ball_dir), new_x, new_y


def collide(state, new_x, new_y):
    """The ceiling, bricks and the bottom row: bounces, the brick reward, the refill of bricks and the end.

    As in gymnax, `state.ball_x` is still the ball's previous column here, and the paddle is at its new position."""
    off_top = new_y < 0
    new_y = jax.lax.select(off_top, 0, new_y)
    ball_dir = jax.lax.select(off_top, FLIP_Y[state.ball_dir], state.ball_dir)
    on_brick = jnp.logical_and(1 - off_top, state.brick_map[new_y, new_x] == 1)
    # No second brick in two consecutive steps (the ball has just bounced off one).
    hit = jnp.logical_and(1 - state.strike, on_brick)
    reward = hit * 1.0
    brick_map = jax.lax.select(hit, state.brick_map.at[new_y, new_x].set(0), state.brick_map)
    new_y = jax.lax.select(hit, state.last_y, new_y)
    ball_dir = jax.lax.select(hit, FLIP_Y[ball_dir], ball_dir)

    at_bottom = jnp.logical_and(1 - on_brick, new_y == 9)
    refill = jnp.logical_and(at_bottom, jnp.count_nonzero(brick_map) == 0)
    brick_map = jax.lax.select(refill, brick_map.at[1:4, :].set(1), brick_map)
    # The paddle under the ball's previous column bounces it straight back up.
    above_paddle = jnp.logical_and(at_bottom, state.ball_x == state.pos)
    ball_dir = jax.lax.select(above_paddle, FLIP_Y[ball_dir], ball_dir)
    new_y = jax.lax.select(above_paddle, state.last_y, new_y)
    # The ball landing on the paddle diagonally goes back the way it came.
    onto_paddle = jnp.logical_and(jnp.logical_and(at_bottom, 1 - above_paddle), new_x == state.pos)
    ball_dir = jax.lax.select(onto_paddle, FLIP_BOTH[ball_dir], ball_dir)
    new_y = jax.lax.select(onto_paddle, state.last_y, new_y)
    missed = jnp.logical_and(at_bottom, jnp.logical_and(1 - above_paddle, 1 - onto_paddle))
    strike = jax.lax.select(1 - on_brick == 1, False, True)
    return (
        state.replace(
            ball_dir=ball_dir, brick_map=brick_map, strike=strike, ball_x=new_x, ball_y=new_y, terminal=missed
        ),
        reward,
    )
