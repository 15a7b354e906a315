"""Spaces with gymnax's attributes (`n`, `shape`, `dtype`, `low`, `high`) and jittable `sample`/`contains`."""
import collections

import jax
import jax.numpy as jnp


class Space:
    """A set of values an observation, action or state takes."""

    def sample(self, key):
        raise NotImplementedError

    def contains(self, x):
        raise NotImplementedError


class Discrete(Space):
    """The integers 0 .. n-1."""

    def __init__(self, num_categories):
        if num_categories < 0:
            raise ValueError("a discrete space needs a non-negative number of categories")
        self.n = num_categories
        self.shape = ()
        self.dtype = jnp.int32  # gymnax says jnp.int_, which JAX truncates to int32 anyway

    def sample(self, key):
        return jax.random.randint(key, shape=self.shape, minval=0, maxval=self.n).astype(self.dtype)

    def contains(self, x):
        return jnp.logical_and(x >= 0, x < self.n)


class Box(Space):
    """Arrays of `shape` between `low` and `high` (scalars or arrays)."""

    def __init__(self, low, high, shape, dtype=jnp.float32):
        self.low = low
        self.high = high
        self.shape = shape
        self.dtype = dtype

    def sample(self, key):
        return jax.random.uniform(key, shape=self.shape, minval=self.low, maxval=self.high).astype(self.dtype)

    def contains(self, x):
        return jnp.logical_and(jnp.all(x >= self.low), jnp.all(x <= self.high))


class Dict(Space):
    """Named sub-spaces (used for state spaces)."""

    def __init__(self, spaces):
        self.spaces = spaces
        self.num_spaces = len(spaces)

    def sample(self, key):
        keys = jax.random.split(key, self.num_spaces)
        return collections.OrderedDict((k, self.spaces[k].sample(keys[i])) for i, k in enumerate(self.spaces))

    def contains(self, x):
        outside = 0
        for k, space in self.spaces.items():
            outside += 1 - space.contains(getattr(x, k))
        return outside == 0
