"""Runs in the player process (the agent's own, sandboxed): loads the agent's checkpoints with the agent's network
code (`src/networks.py`, `src/helpers.py`, as the original's evaluation did) and answers the trusted evaluation with
the parameters of each policy's action distribution for a batch of observations. The evaluation samples the actions
and steps the environments itself, so nothing here decides a reward."""
import importlib

import jax
import jax.numpy as jnp
import numpy as np

_loaded = []


def load(config_fname, checkpoint_paths):
    """Builds the agent's model from the config and reads each checkpoint's `network` parameters; returns the count.
    Checkpoints of one architecture are stacked and run in one vmapped call per frame."""
    helpers = importlib.import_module("src.helpers")
    networks = importlib.import_module("src.networks")
    config = helpers.load_config(config_fname)
    model, _ = networks.get_model_ready(jax.random.PRNGKey(0), config.train_config)
    params = [helpers.load_pkl_object(path)["network"] for path in checkpoint_paths]

    def apply(p, obs):
        return distribution_parameters(model.apply(p, obs, rng=None)[1])

    _loaded.clear()
    try:
        stacked = jax.tree.map(lambda *leaves: jnp.stack(leaves), *params)
    except (ValueError, TypeError):
        stacked = None
    if stacked is not None:
        _loaded.append((jax.jit(jax.vmap(apply)), stacked, len(params)))
    else:
        _loaded.extend((jax.jit(apply), p, None) for p in params)
    return len(params)


def distribution_parameters(pi):
    """`{"logits": ...}` for a categorical policy, `{"loc": ..., "scale": ...}` for a Gaussian one (tfp, distrax or
    the starter's own classes)."""
    logits = getattr(pi, "logits", None)
    if logits is None and hasattr(pi, "logits_parameter"):
        logits = pi.logits_parameter()
    if logits is None and getattr(pi, "probs", None) is not None:
        logits = jnp.log(pi.probs)
    if logits is not None:
        return {"logits": logits}
    loc = getattr(pi, "loc", None)
    scale = getattr(pi, "scale_diag", None)
    if scale is None and hasattr(pi, "stddev"):
        scale = pi.stddev()
    if loc is None or scale is None:
        raise TypeError(f"the policy returned a {type(pi).__name__}: neither categorical logits nor a Gaussian loc/scale")
    return {"loc": loc, "scale": scale}


def act(observations):
    """For each loaded checkpoint i, its distribution parameters for observations[i] (lists of float32 numbers)."""
    observations = np.asarray(observations, dtype=np.float32)
    if len(_loaded) == 1 and _loaded[0][2] is not None:
        apply, params, count = _loaded[0]
        if observations.shape[0] != count:
            raise ValueError(f"{observations.shape[0]} observation batches for {count} checkpoints")
        result = {k: np.asarray(v, dtype=np.float32) for k, v in apply(params, jnp.asarray(observations)).items()}
        return [{k: v[i].tolist() for k, v in result.items()} for i in range(count)]
    if observations.shape[0] != len(_loaded):
        raise ValueError(f"{observations.shape[0]} observation batches for {len(_loaded)} checkpoints")
    out = []
    for (apply, params, _), obs in zip(_loaded, observations):
        out.append({k: np.asarray(v, dtype=np.float32).tolist() for k, v in apply(params, jnp.asarray(obs)).items()})
    return out
