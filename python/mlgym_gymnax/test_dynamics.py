"""Known transitions of the three environments (python -m unittest mlgym_gymnax.test_dynamics, with python/ on the
path). The expected values are worked out by hand from the environments' rules, not read from the code."""
import math
import unittest

import jax
import jax.numpy as jnp
import numpy as np

import mlgym_gymnax
from mlgym_gymnax import breakout, meta_maze, mountain_car_continuous


def key(n=0):
    return jax.random.PRNGKey(n)


class MakeTest(unittest.TestCase):
    def test_registered_names_and_shapes(self):
        expected = {
            "MetaMaze-misc": ((15,), 4, 200),
            "MountainCarContinuous-v0": ((2,), None, 999),
            "Breakout-MinAtar": ((10, 10, 4), 3, 1000),
        }
        self.assertEqual(sorted(mlgym_gymnax.registered_envs), sorted(expected))
        for name, (obs_shape, actions, max_steps) in expected.items():
            env, params = mlgym_gymnax.make(name)
            self.assertEqual(env.name, name)
            self.assertEqual(params.max_steps_in_episode, max_steps)
            self.assertEqual(env.observation_space(params).shape, obs_shape)
            obs, _ = env.reset(key(), params)
            self.assertEqual(obs.shape, obs_shape)
            space = env.action_space(params)
            if actions is None:
                self.assertEqual(space.shape, (1,))
                self.assertEqual((space.low, space.high), (-1.0, 1.0))
            else:
                self.assertEqual(space.n, actions)

    def test_unknown_name_lists_the_available_ones(self):
        with self.assertRaisesRegex(ValueError, "CartPole-v1 is not in registered gymnax environments.*MetaMaze-misc"):
            mlgym_gymnax.make("CartPole-v1")

    def test_vmapped_scan_over_a_batch(self):
        env, params = mlgym_gymnax.make("Breakout-MinAtar")
        keys = jax.random.split(key(1), 8)
        obs, state = jax.vmap(env.reset, in_axes=(0, None))(keys, params)

        def body(carry, k):
            obs, state = carry
            actions = jax.random.randint(k, (8,), 0, 3)
            obs, state, reward, done, _ = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
                jax.random.split(k, 8), state, actions, params
            )
            return (obs, state), (reward, done)

        (obs, _), (rewards, dones) = jax.jit(lambda c: jax.lax.scan(body, c, jax.random.split(key(2), 50)))((obs, state))
        self.assertEqual(obs.shape, (8, 10, 10, 4))
        self.assertEqual(rewards.shape, (50, 8))
        self.assertEqual(dones.dtype, jnp.bool_)


class MountainCarTest(unittest.TestCase):
    def setUp(self):
        self.env, self.params = mlgym_gymnax.make("MountainCarContinuous-v0")

    def state(self, position, velocity, time=0):
        return mountain_car_continuous.EnvState(position=jnp.float32(position), velocity=jnp.float32(velocity), time=time)

    def test_physics_step(self):
        obs, state, reward, done, _ = self.env.step(key(), self.state(-0.5, 0.0), jnp.array([1.0]), self.params)
        velocity = 0.0 + 1.0 * 0.0015 - math.cos(3 * -0.5) * 0.0025
        self.assertAlmostEqual(float(state.velocity), velocity, places=6)
        self.assertAlmostEqual(float(state.position), -0.5 + velocity, places=6)
        self.assertAlmostEqual(float(reward), -0.1, places=6)
        self.assertFalse(bool(done))
        np.testing.assert_allclose(np.asarray(obs), [-0.5 + velocity, velocity], rtol=1e-5)

    def test_force_is_clipped_but_the_penalty_is_not(self):
        _, state, reward, _, _ = self.env.step(key(), self.state(-0.5, 0.0), jnp.array([3.0]), self.params)
        velocity = 1.0 * 0.0015 - math.cos(-1.5) * 0.0025
        self.assertAlmostEqual(float(state.velocity), velocity, places=6)
        self.assertAlmostEqual(float(reward), -0.9, places=5)

    def test_speed_limit_and_left_wall(self):
        _, state, _, _, _ = self.env.step(key(), self.state(-0.5, -0.07), jnp.array([-1.0]), self.params)
        self.assertAlmostEqual(float(state.velocity), -0.07, places=6)
        # At the left end the position is clipped and (as in gymnax, unlike Gym) the velocity is kept.
        _, state, _, _, _ = self.env.step(key(), self.state(-1.19, -0.07), jnp.array([-1.0]), self.params)
        self.assertAlmostEqual(float(state.position), -1.2, places=6)
        velocity = -0.07 - 0.0015 - math.cos(3 * -1.19) * 0.0025
        self.assertAlmostEqual(float(state.velocity), velocity, places=6)

    def test_goal_gives_100_and_resets(self):
        obs, state, reward, done, _ = self.env.step(key(), self.state(0.44, 0.05), jnp.array([0.0]), self.params)
        self.assertAlmostEqual(float(reward), 100.0, places=4)
        self.assertTrue(bool(done))
        # Auto-reset: a fresh episode in [-0.6, -0.4] at rest.
        self.assertTrue(-0.6 <= float(state.position) <= -0.4)
        self.assertEqual(float(state.velocity), 0.0)
        self.assertEqual(int(state.time), 0)
        self.assertAlmostEqual(float(obs[0]), float(state.position), places=6)

    def test_time_limit_ends_the_episode(self):
        _, state, _, done, _ = self.env.step(key(), self.state(-0.5, 0.0, time=998), jnp.array([0.0]), self.params)
        self.assertTrue(bool(done))
        self.assertEqual(int(state.time), 0)

    def test_reset_range(self):
        positions = jax.vmap(lambda k: self.env.reset(k, self.params)[1].position)(jax.random.split(key(), 1000))
        self.assertGreaterEqual(float(positions.min()), -0.6)
        self.assertLessEqual(float(positions.max()), -0.4)


class MetaMazeTest(unittest.TestCase):
    def setUp(self):
        self.env, self.params = mlgym_gymnax.make("MetaMaze-misc")

    def state(self, pos, goal, time=0.0):
        return meta_maze.EnvState(
            last_action=0, last_reward=jnp.array(0.0), pos=jnp.array(pos), goal=jnp.array(goal), time=time
        )

    def test_layout(self):
        # 9x9 maze padded by one wall cell: odd maze rows have walls in odd maze columns.
        free = np.asarray(self.env.env_map)
        self.assertEqual(free.shape, (11, 11))
        self.assertFalse(free[0].any() or free[10].any() or free[:, 0].any() or free[:, 10].any())
        self.assertTrue(free[1, 1:10].all())
        self.assertEqual(free[2, 1:10].tolist(), [True, False] * 4 + [True])
        self.assertEqual(len(self.env.coords), 81 - 16)
        np.testing.assert_array_equal(np.asarray(self.env.center_position), [5, 5])

    def test_reset_observation(self):
        obs, state = self.env.reset(key(3), self.params)
        np.testing.assert_array_equal(np.asarray(state.pos), [5, 5])
        self.assertTrue(bool(self.env.env_map[state.goal[0], state.goal[1]]))
        # Row 5 is open, rows 4 and 6 have walls at columns 4 and 6; then last action 0 one-hot, reward 0, time 0.
        expected = [1, 0, 1, 0, 0, 0, 1, 0, 1] + [1, 0, 0, 0] + [0, 0]
        np.testing.assert_array_equal(np.asarray(obs), expected)

    def test_wall_blocks_and_moves_count(self):
        # From (5, 5) up is (4, 5): a free cell of a walled row (maze row 3, column 4).
        _, state, reward, done, _ = self.env.step(key(), self.state([5, 5], [1, 1]), 0, self.params)
        np.testing.assert_array_equal(np.asarray(state.pos), [4, 5])
        self.assertEqual(float(reward), 0.0)
        self.assertFalse(bool(done))
        # From (4, 5) right is (4, 6): a wall; the agent stays.
        obs, state, _, _, _ = self.env.step(key(), state, 1, self.params)
        np.testing.assert_array_equal(np.asarray(state.pos), [4, 5])
        np.testing.assert_array_equal(np.asarray(obs[9:13]), [0, 1, 0, 0])
        self.assertEqual(float(obs[14]), 2.0)

    def test_goal_reward_and_teleport(self):
        obs, state, reward, done, _ = self.env.step(key(7), self.state([5, 5], [5, 6]), 1, self.params)
        self.assertEqual(float(reward), 10.0)
        self.assertEqual(float(obs[13]), 10.0)
        self.assertTrue(bool(self.env.env_map[state.pos[0], state.pos[1]]))
        np.testing.assert_array_equal(np.asarray(state.goal), [5, 6])
        self.assertEqual(bool(done), bool((np.asarray(state.pos) == [5, 6]).all()))

    def test_episode_lasts_200_steps(self):
        _, state, _, done, _ = self.env.step(key(), self.state([1, 1], [9, 9], time=199.0), 0, self.params)
        self.assertTrue(bool(done))
        self.assertEqual(float(state.time), 0.0)


class BreakoutTest(unittest.TestCase):
    def setUp(self):
        self.env, self.params = mlgym_gymnax.make("Breakout-MinAtar")

    def state(self, x, y, direction, pos=4, bricks=None, last=None, strike=False):
        if bricks is None:
            bricks = jnp.zeros((10, 10)).at[1:4, :].set(1)
        lx, ly = last if last is not None else (x, y)
        return breakout.EnvState(
            ball_y=jnp.array(y), ball_x=jnp.array(x), ball_dir=jnp.array(direction), pos=jnp.array(pos),
            brick_map=bricks, strike=jnp.array(strike), last_y=jnp.array(ly), last_x=jnp.array(lx),
            time=0, terminal=jnp.array(False),
        )

    def test_reset(self):
        obs, state = self.env.reset(key(), self.params)
        self.assertEqual(int(state.ball_y), 3)
        self.assertIn((int(state.ball_x), int(state.ball_dir)), [(0, 2), (9, 3)])
        self.assertEqual(int(np.asarray(obs[:, :, 3]).sum()), 30)
        self.assertEqual(float(obs[9, 4, 0]), 1.0)

    def test_paddle_moves_and_stops_at_the_wall(self):
        _, state, _, _, _ = self.env.step(key(), self.state(5, 5, 2, pos=0), 1, self.params)
        self.assertEqual(int(state.pos), 0)
        _, state, _, _, _ = self.env.step(key(), self.state(5, 5, 2, pos=0), 2, self.params)
        self.assertEqual(int(state.pos), 1)

    def test_ball_bounces_off_the_side_wall(self):
        # Moving down-right (2) at column 9: x stays 9, direction becomes down-left (3).
        _, state, _, _, _ = self.env.step(key(), self.state(9, 5, 2), 0, self.params)
        self.assertEqual((int(state.ball_x), int(state.ball_y), int(state.ball_dir)), (9, 6, 3))

    def test_brick_is_broken_and_the_ball_bounces(self):
        # Up-right (1) from (x=4, y=4) into the brick at (5, 3): +1, brick gone, ball back on row 4, now down-right.
        _, state, reward, done, _ = self.env.step(key(), self.state(4, 4, 1), 0, self.params)
        self.assertEqual(float(reward), 1.0)
        self.assertEqual(float(state.brick_map[3, 5]), 0.0)
        self.assertEqual((int(state.ball_x), int(state.ball_y), int(state.ball_dir)), (5, 4, 2))
        self.assertTrue(bool(state.strike))
        self.assertFalse(bool(done))

    def test_paddle_under_the_ball_returns_it(self):
        # Down-right from (x=4, y=8) with the paddle at 4: straight back up (up-right), staying on row 8.
        _, state, reward, done, _ = self.env.step(key(), self.state(4, 8, 2, pos=4), 0, self.params)
        self.assertEqual((int(state.ball_x), int(state.ball_y), int(state.ball_dir)), (5, 8, 1))
        self.assertFalse(bool(done))

    def test_ball_meeting_the_paddle_diagonally_goes_back(self):
        # Down-right from (x=4, y=8) onto the paddle at 5: back the way it came (up-left).
        _, state, _, done, _ = self.env.step(key(), self.state(4, 8, 2, pos=5), 0, self.params)
        self.assertEqual((int(state.ball_x), int(state.ball_y), int(state.ball_dir)), (5, 8, 0))
        self.assertFalse(bool(done))

    def test_missing_the_ball_ends_the_episode(self):
        _, state, reward, done, _ = self.env.step(key(), self.state(4, 8, 2, pos=0), 0, self.params)
        self.assertTrue(bool(done))
        self.assertEqual(float(reward), 0.0)
        self.assertEqual(int(state.ball_y), 3)  # reset

    def test_bricks_come_back_when_all_are_gone(self):
        _, state, _, _, _ = self.env.step(key(), self.state(4, 8, 2, pos=4, bricks=jnp.zeros((10, 10))), 0, self.params)
        self.assertEqual(int(np.asarray(state.brick_map).sum()), 30)


if __name__ == "__main__":
    unittest.main()
