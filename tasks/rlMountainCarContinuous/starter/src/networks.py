"""The actor-critic network: separate MLPs for the value and for the policy's action distribution."""
import flax.linen as nn
import gymnax
import jax
import jax.numpy as jnp


def get_model_ready(rng, config):
    """The model for the environment's observation and action shapes, and its initial parameters."""
    env, env_params = gymnax.make("MountainCarContinuous-v0")
    model = Model(**config.network_config, num_output_units=env.num_actions)
    obs_shape = env.observation_space(env_params).shape
    params = model.init(rng, jnp.zeros(obs_shape), rng=rng)
    return model, params


def default_mlp_init(scale=0.05):
    return nn.initializers.uniform(scale)


class MultivariateNormalDiag:
    """A Gaussian with independent dimensions (the last axis), as tfp's MultivariateNormalDiag."""

    def __init__(self, loc, scale_diag):
        self.loc = loc
        self.scale_diag = scale_diag

    def sample(self, seed):
        return self.loc + self.scale_diag * jax.random.normal(seed, self.loc.shape)

    def log_prob(self, x):
        z = (x - self.loc) / self.scale_diag
        return jnp.sum(-0.5 * z**2 - jnp.log(self.scale_diag) - 0.5 * jnp.log(2 * jnp.pi), axis=-1)

    def entropy(self):
        return jnp.sum(0.5 + 0.5 * jnp.log(2 * jnp.pi) + jnp.log(self.scale_diag), axis=-1)


class Model(nn.Module):
    """Split actor-critic: the critic's value and a Gaussian policy over the action."""

    num_output_units: int
    num_hidden_units: int
    num_hidden_layers: int
    prefix_actor: str = "actor"
    prefix_critic: str = "critic"
    min_std: float = 0.001
    model_name: str = "separate-mlp"

    def mlp(self, x, prefix):
        for i in range(self.num_hidden_layers):
            x = nn.relu(nn.Dense(self.num_hidden_units, name=f"{prefix}_fc_{i + 1}", bias_init=default_mlp_init())(x))
        return x

    @nn.compact
    def __call__(self, x, rng):
        v = nn.Dense(1, name=self.prefix_critic + "_fc_v", bias_init=default_mlp_init())(self.mlp(x, self.prefix_critic))
        x_a = self.mlp(x, self.prefix_actor)
        mu = nn.Dense(self.num_output_units, name=self.prefix_actor + "_fc_mu", bias_init=default_mlp_init())(x_a)
        log_scale = nn.Dense(self.num_output_units, name=self.prefix_actor + "_fc_scale", bias_init=default_mlp_init())(x_a)
        scale = jax.nn.softplus(log_scale) + self.min_std
        return v, MultivariateNormalDiag(mu, scale)
