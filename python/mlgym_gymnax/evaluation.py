"""The trusted side of the RL tasks' evaluation: the environments, the action sampling and the returns.

The agent's network code runs in the player process (`agent_policy`, called through `mlgym_eval` by evaluate.py): per frame it gets
one batch of observations per checkpoint and answers with action-distribution parameters, which are checked here
before actions are sampled from them. The protocol is the original's: every checkpoint is run on the same seeds,
each with a batch of environments for a fixed number of frames, and an environment's return is the sum of its
rewards until its first episode ends; the metrics are the mean and standard deviation over all of them."""
import os
from pathlib import Path

import gymnax
import jax
import jax.numpy as jnp
import numpy as np
import yaml


class EvaluationFailed(Exception):
    """The submission cannot be evaluated; the message says why."""


def checkpoint_files(config_fname, count):
    """The `checkpoints/<config stem>*.pkl` files, sorted; exactly `count` of them."""
    config = Path(config_fname)
    if not config.is_file():
        raise EvaluationFailed(f"the config {config_fname} does not exist")
    try:
        loaded = yaml.safe_load(config.read_text())
    except yaml.YAMLError as error:
        raise EvaluationFailed(f"{config_fname} is not valid YAML: {error}") from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get("train_config"), dict):
        raise EvaluationFailed(f"{config_fname} has no train_config mapping")
    stem = config.stem
    files = sorted(p for p in Path("checkpoints").glob(f"{stem}*.pkl") if p.is_file())
    if len(files) != count:
        raise EvaluationFailed(
            f"expected {count} checkpoint files checkpoints/{stem}*.pkl (for the config {config_fname}), found {len(files)}"
        )
    return [str(p) for p in files]


def evaluation_seeds(count):
    """Under mlgym, seeds drawn from the episode's evaluation seed (numpy was seeded by `mlgym_eval.seeding`), which
    the agent cannot know; run by hand, the original's fixed seeds 0 .. count-1."""
    if os.environ.get("MLGYM_EVAL_SEED", "").strip():
        return [int(s) for s in np.random.randint(0, 2**31 - 1, size=count)]
    return list(range(count))


def _env_step(env):
    """env.step giving (obs, state, reward, done) for either gymnax API."""

    def step(key, state, action, params):
        out = env.step(key, state, action, params)
        # gymnax >= 1.0 returns (obs, state, reward, terminated, truncated, info); 0.0.x (obs, state, reward, done, info).
        done = jnp.logical_or(out[3], out[4]) if len(out) == 6 else out[3]
        return out[0], out[1], out[2], done

    return step


def _checked(reply, policies, batch, action_space):
    """The distribution parameters of the agent's reply as arrays of shape (policies * batch, ...), or raises."""
    if not isinstance(reply, list) or len(reply) != policies:
        raise EvaluationFailed("the policy process answered with the wrong number of checkpoints")
    discrete = hasattr(action_space, "n")
    keys = ("logits",) if discrete else ("loc", "scale")
    width = action_space.n if discrete else int(np.prod(action_space.shape))
    parts = {k: [] for k in keys}
    for item in reply:
        if not isinstance(item, dict) or set(item) != set(keys):
            kind = "categorical logits" if discrete else "a Gaussian loc and scale"
            raise EvaluationFailed(f"the network must give {kind} for this environment's actions")
        for k in keys:
            try:
                value = np.asarray(item[k], dtype=np.float64)
            except (TypeError, ValueError):
                raise EvaluationFailed(f"the policy's {k} are not numbers") from None
            if value.size != batch * width:
                raise EvaluationFailed(f"the policy's {k} have {value.size} numbers, expected {batch} x {width}")
            value = value.reshape(batch, width)
            if not np.all(np.isfinite(value)):
                raise EvaluationFailed(f"the policy's {k} are not all finite")
            parts[k].append(value)
    out = {k: np.concatenate(v).astype(np.float32) for k, v in parts.items()}
    if not discrete and np.any(out["scale"] <= 0):
        raise EvaluationFailed("the policy's scale must be positive")
    return out


def evaluate_policy(env_name, act, policies, num_seeds, num_envs, max_frames):
    """Reward Mean and Reward Std over `policies` checkpoints x seeds x environments; `act` is the agent's
    `agent_policy.act`, called through `mlgym_eval` (raises AgentCodeError when the agent's code fails)."""
    returns = _rollout(env_name, act, policies, evaluation_seeds(num_seeds), num_envs, max_frames)
    return {"Reward Mean": float(np.mean(returns)), "Reward Std": float(np.std(returns))}


def _frame(env, discrete, action_shape):
    """One jitted frame for every environment at once: sample the actions, step, add up the returns."""
    vstep = jax.vmap(_env_step(env), in_axes=(0, 0, 0, None))

    def frame(rng, state, dist, returns, alive, params):
        rng, rng_act, rng_step = jax.random.split(rng, 3)
        if discrete:
            actions = jax.random.categorical(rng_act, dist["logits"])
        else:
            actions = dist["loc"] + dist["scale"] * jax.random.normal(rng_act, dist["loc"].shape)
            actions = actions.reshape((actions.shape[0],) + action_shape)
        obs, state, reward, done = vstep(jax.random.split(rng_step, actions.shape[0]), state, actions, params)
        returns = returns + reward.reshape(returns.shape) * alive
        alive = alive * (1.0 - done.reshape(alive.shape))
        return rng, obs, state, returns, alive

    return jax.jit(frame)


def _rollout(env_name, act, policies, seeds, num_envs, max_frames):
    env, params = gymnax.make(env_name)
    action_space = env.action_space(params)
    discrete = hasattr(action_space, "n")
    batch = len(seeds) * num_envs
    total = policies * batch
    # Every checkpoint starts from the same environments: seed s gives the reset keys of its batch.
    reset_keys = [jax.random.split(jax.random.PRNGKey(seed), num_envs) for seed in seeds]
    reset_keys = jnp.tile(jnp.concatenate(reset_keys), (policies, 1))
    obs, state = jax.jit(jax.vmap(env.reset, in_axes=(0, None)))(reset_keys, params)
    frame = _frame(env, discrete, () if discrete else tuple(action_space.shape))
    rng = jax.random.fold_in(jax.random.PRNGKey(seeds[0]), len(seeds))
    returns = jnp.zeros(total)
    alive = jnp.ones(total)
    for _ in range(max_frames):
        observations = np.asarray(obs, dtype=np.float32).reshape((policies, batch) + tuple(obs.shape[1:]))
        dist = _checked(act(observations), policies, batch, action_space)
        rng, obs, state, returns, alive = frame(rng, state, dist, returns, alive, params)
    return np.asarray(returns, dtype=np.float64)
