"""A gymnax-compatible module of mlgym's own for the three environments of the RL tasks.

`make(name)` returns `(env, env_params)` for `MetaMaze-misc`, `MountainCarContinuous-v0` and `Breakout-MinAtar`,
with the dynamics, parameters, spaces and API (`reset`, `step` with auto-reset, jittable and vmappable) of gymnax
0.0.x, the version the original MLGym tasks were written against. Agent code imports it as `gymnax` through the
`gymnax` shim next to this package, which hands over to a real gymnax whenever one is installed."""
from .breakout import MinBreakout
from .environment import EnvParams, EnvState, Environment
from .meta_maze import MetaMaze
from .mountain_car_continuous import ContinuousMountainCar

__all__ = ["EnvParams", "EnvState", "Environment", "make", "registered_envs"]

_ENVIRONMENTS = {
    "MetaMaze-misc": MetaMaze,
    "MountainCarContinuous-v0": ContinuousMountainCar,
    "Breakout-MinAtar": MinBreakout,
}

registered_envs = list(_ENVIRONMENTS)


def make(env_id, **env_kwargs):
    """`(environment, default parameters)` for a registered id; keyword arguments go to the environment."""
    if env_id not in _ENVIRONMENTS:
        raise ValueError(
            f"{env_id} is not in registered gymnax environments (this stand-in has {', '.join(registered_envs)}; "
            "install gymnax for the others)."
        )
    env = _ENVIRONMENTS[env_id](**env_kwargs)
    return env, env.default_params
