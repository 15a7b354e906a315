"""The actor-critic network: separate MLPs for the value and for the policy's action distribution."""
import flax.linen as nn
import gymnax
import jax
import jax.numpy as jnp


def get_model_ready(rng, config):
    """The model for the environment's observation and action shapes, and its initial parameters."""
    env, env_params = gymnax.make("MetaMaze-misc")
    model = Model(**config.network_config, num_output_units=env.num_actions)
    obs_shape = env.observation_space(env_params).shape
    params = model.init(rng, jnp.zeros(obs_shape), rng=rng)
    return model, params


def default_mlp_init(scale=0.05):
    return nn.initializers.uniform(scale)


class Categorical:
    """A distribution over the actions 0 .. n-1 given by logits (the last axis), as tfp's Categorical."""

    def __init__(self, logits):
        self.logits = logits - jax.scipy.special.logsumexp(logits, axis=-1, keepdims=True)

    def sample(self, seed):
        return jax.random.categorical(seed, self.logits)

    def log_prob(self, action):
        return jnp.take_along_axis(self.logits, action[..., None].astype(jnp.int32), axis=-1)[..., 0]

    def entropy(self):
        return -jnp.sum(jnp.exp(self.logits) * self.logits, axis=-1)


class Model(nn.Module):
    """Split actor-critic: the critic's value and a categorical policy over the actions."""

    num_output_units: int
    num_hidden_units: int
    num_hidden_layers: int
    prefix_actor: str = "actor"
    prefix_critic: str = "critic"
    model_name: str = "separate-mlp"

    def mlp(self, x, prefix):
        for i in range(self.num_hidden_layers):
            x = nn.relu(nn.Dense(self.num_hidden_units, name=f"{prefix}_fc_{i + 1}", bias_init=default_mlp_init())(x))
        return x

    @nn.compact
    def __call__(self, x, rng):
        v = nn.Dense(1, name=self.prefix_critic + "_fc_v", bias_init=default_mlp_init())(self.mlp(x, self.prefix_critic))
        logits = nn.Dense(self.num_output_units, name=self.prefix_actor + "_fc_logits", bias_init=default_mlp_init())(
            self.mlp(x, self.prefix_actor)
        )
        return v, Categorical(logits)
