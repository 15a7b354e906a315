"""PPO (clipped surrogate, GAE, several epochs of minibatch updates per rollout) on vectorised gymnax environments."""
import json
from functools import partial

import gymnax
import jax
import jax.numpy as jnp
import optax
from flax.training.train_state import TrainState


def learning_rate(config, num_updates):
    """Linear from lr_begin to lr_end over the first lr_warmup share of the optimiser steps, then constant."""
    total = num_updates * int(config.epoch_ppo) * int(config.n_minibatch)
    warm = max(1, int(total * float(config.lr_warmup)))
    return optax.linear_schedule(float(config.lr_begin), float(config.lr_end), warm)


ENV_NAME = "MetaMaze-misc"


def make_env():
    return gymnax.make(ENV_NAME)


_COMPILED = {}


def compiled(model, config):
    """The environment, optimiser and jitted update and evaluation for a config, made once: the 5 trainings of
    train.py share one compilation."""
    key = json.dumps(config, sort_keys=True, default=str)
    if key not in _COMPILED:
        env, env_params = make_env()
        num_updates = max(1, int(config.num_train_steps) // (int(config.num_train_envs) * int(config.n_steps)))
        tx = optax.chain(
            optax.clip_by_global_norm(float(config.max_grad_norm)),
            optax.adam(learning_rate(config, num_updates), eps=1e-5),
        )
        update = jax.jit(partial(ppo_update, env=env, env_params=env_params, config=config))
        evaluate = jax.jit(partial(evaluate_policy, apply_fn=model.apply, env=env, env_params=env_params, config=config))
        _COMPILED[key] = (env, env_params, num_updates, tx, model.apply, update, evaluate)
    return _COMPILED[key]


def train_ppo(rng, config, model, params, mle_log):
    """Trains `params` of `model` with PPO; returns (log_steps, log_return, trained params)."""
    env, env_params, num_updates, tx, apply_fn, update, evaluate = compiled(model, config)
    num_envs = int(config.num_train_envs)
    n_steps = int(config.n_steps)
    state = TrainState.create(apply_fn=apply_fn, params=params, tx=tx)
    rng, rng_reset = jax.random.split(rng)
    obs, env_state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(rng_reset, num_envs), env_params)
    log_steps, log_return = [], []
    every = max(1, int(config.evaluate_every_epochs))
    for i in range(num_updates):
        rng, rng_update = jax.random.split(rng)
        state, obs, env_state = update(state, obs, env_state, rng_update)
        if (i + 1) % every == 0 or i + 1 == num_updates:
            rng, rng_eval = jax.random.split(rng)
            ret = float(evaluate(state.params, rng_eval))
            log_steps.append((i + 1) * num_envs * n_steps)
            log_return.append(ret)
            if mle_log is not None:
                mle_log.update({"num_steps": log_steps[-1]}, {"return": ret})
    return log_steps, log_return, state.params


def ppo_update(state, obs, env_state, rng, env, env_params, config):
    """One rollout of n_steps in every environment, then epoch_ppo epochs of minibatch updates."""

    def step(carry, _):
        state_, obs_, env_state_, rng_ = carry
        rng_, rng_act, rng_step = jax.random.split(rng_, 3)
        value, pi = state_.apply_fn(state_.params, obs_, rng=None)
        action = pi.sample(seed=rng_act)
        log_prob = pi.log_prob(action)
        keys = jax.random.split(rng_step, obs_.shape[0])
        next_obs, next_state, reward, done, _ = jax.vmap(env.step, in_axes=(0, 0, 0, None))(
            keys, env_state_, action, env_params
        )
        transition = (obs_, action, log_prob, value[..., 0], reward, done)
        return (state_, next_obs, next_state, rng_), transition

    rng, rng_roll = jax.random.split(rng)
    (_, obs, env_state, _), batch = jax.lax.scan(step, (state, obs, env_state, rng_roll), None, int(config.n_steps))
    b_obs, b_action, b_log_prob, b_value, b_reward, b_done = batch
    last_value, _ = state.apply_fn(state.params, obs, rng=None)
    advantages, targets = gae(b_value, b_reward, b_done, last_value[..., 0], config)

    flat = lambda x: x.reshape((-1,) + x.shape[2:])
    data = tuple(map(flat, (b_obs, b_action, b_log_prob, b_value, advantages, targets)))
    size = data[0].shape[0]
    n_minibatch = int(config.n_minibatch)

    def epoch(carry, _):
        state_, rng_ = carry
        rng_, rng_perm = jax.random.split(rng_)
        perm = jax.random.permutation(rng_perm, size)
        shuffled = tuple(x[perm].reshape((n_minibatch, -1) + x.shape[1:]) for x in data)

        def minibatch(state__, mb):
            grads = jax.grad(ppo_loss)(state__.params, state__.apply_fn, mb, config)
            return state__.apply_gradients(grads=grads), None

        state_, _ = jax.lax.scan(minibatch, state_, shuffled)
        return (state_, rng_), None

    (state, _), _ = jax.lax.scan(epoch, (state, rng), None, int(config.epoch_ppo))
    return state, obs, env_state


def gae(values, rewards, dones, last_value, config):
    """Generalised advantage estimates and value targets, computed backwards over the rollout."""
    gamma, lam = float(config.gamma), float(config.gae_lambda)

    def back(carry, t):
        advantage, next_value = carry
        value, reward, done = t
        not_done = 1.0 - done
        delta = reward + gamma * next_value * not_done - value
        advantage = delta + gamma * lam * not_done * advantage
        return (advantage, value), advantage

    _, advantages = jax.lax.scan(
        back, (jnp.zeros_like(last_value), last_value), (values, rewards, dones.astype(jnp.float32)), reverse=True
    )
    return advantages, advantages + values


def ppo_loss(params, apply_fn, minibatch, config):
    obs, action, old_log_prob, old_value, advantage, target = minibatch
    value, pi = apply_fn(params, obs, rng=None)
    value = value[..., 0]
    clip = float(config.clip_eps)
    value_clipped = old_value + jnp.clip(value - old_value, -clip, clip)
    value_loss = 0.5 * jnp.maximum((value - target) ** 2, (value_clipped - target) ** 2).mean()
    ratio = jnp.exp(pi.log_prob(action) - old_log_prob)
    advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)
    policy_loss = -jnp.minimum(ratio * advantage, jnp.clip(ratio, 1 - clip, 1 + clip) * advantage).mean()
    entropy = pi.entropy().mean()
    return policy_loss + float(config.critic_coeff) * value_loss - float(config.entropy_coeff) * entropy


def evaluate_policy(params, rng, apply_fn, env, env_params, config):
    """Mean return of num_test_rollouts episodes (one per environment, sampled actions, first episode only)."""
    n = int(config.num_test_rollouts)
    rng, rng_reset = jax.random.split(rng)
    obs, env_state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(rng_reset, n), env_params)

    def step(carry, _):
        obs_, env_state_, rng_, total, alive = carry
        rng_, rng_act, rng_step = jax.random.split(rng_, 3)
        _, pi = apply_fn(params, obs_, rng=None)
        action = pi.sample(seed=rng_act)
        keys = jax.random.split(rng_step, n)
        obs_, env_state_, reward, done, _ = jax.vmap(env.step, in_axes=(0, 0, 0, None))(keys, env_state_, action, env_params)
        total = total + reward * alive
        alive = alive * (1.0 - done)
        return (obs_, env_state_, rng_, total, alive), None

    carry = (obs, env_state, rng, jnp.zeros(n), jnp.ones(n))
    (_, _, _, total, _), _ = jax.lax.scan(step, carry, None, int(env_params.max_steps_in_episode))
    return total.mean()
