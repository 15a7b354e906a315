"""Seeded randomness for evaluations: the same seed and the same code give the same score.

mlgym derives, from the episode's seed (`reset(seed=...)`, `mlgym run --seed`; drawn afresh and recorded when none
is given) and a key of the host's that no sandbox sees, one value for the trusted evaluation and another for the
player process that runs the agent's code, each passed in `MLGYM_EVAL_SEED`. Before the evaluation script runs, and
in the player process before the agent's code is imported, `seed_process` seeds Python's `random` and numpy's
global generator from it. The agent's code can read its own value, which tells it nothing of the evaluation's
draws (the opponent's moves). Run by hand (no `MLGYM_EVAL_SEED`), nothing is seeded: fresh randomness, as before."""
import hashlib
import os
import random

SEED_VARIABLE = "MLGYM_EVAL_SEED"


def derived_seed(seed, role):
    """A 32-bit seed for one role (`evaluation`, `player`) from the episode's seed."""
    digest = hashlib.sha256(f"mlgym:{seed}:{role}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def seed_process(role):
    """Seeds `random` and numpy (when installed) for `role` from MLGYM_EVAL_SEED; returns the derived seed, or None
    when the variable is not set."""
    seed = os.environ.get(SEED_VARIABLE, "").strip()
    if not seed:
        return None
    value = derived_seed(seed, role)
    random.seed(value)
    try:
        import numpy
    except ImportError:
        return value
    numpy.random.seed(value)
    return value
