"""`import gymnax` for the RL tasks: the real gymnax when it is installed anywhere on sys.path besides this folder,
else mlgym's stand-in (`mlgym_gymnax`: MetaMaze-misc, MountainCarContinuous-v0, Breakout-MinAtar).

This folder is on PYTHONPATH (ahead of site-packages), so this package is found first; when a real gymnax exists,
it is loaded in this module's place (`sys.modules["gymnax"]`), and `gymnax.environments...` resolve inside it."""
import importlib.util
import sys

from mlgym_gymnax.real import find_real_gymnax

_real = find_real_gymnax(sys.path)
if _real is not None:
    _module = importlib.util.module_from_spec(_real)
    sys.modules[__name__] = _module
    _real.loader.exec_module(_module)
else:
    from mlgym_gymnax import EnvParams, EnvState, make, registered_envs  # noqa: F401
    from mlgym_gymnax import environment as _environment
    from mlgym_gymnax import spaces as _spaces

    # `from gymnax.environments import spaces` and `gymnax.environments.environment` as in gymnax.
    import types as _types

    environments = _types.ModuleType("gymnax.environments")
    environments.spaces = _spaces
    environments.environment = _environment
    environments.EnvParams = EnvParams
    environments.EnvState = EnvState
    sys.modules["gymnax.environments"] = environments
    sys.modules["gymnax.environments.spaces"] = _spaces
    sys.modules["gymnax.environments.environment"] = _environment
    STAND_IN = True
    __all__ = ["make", "registered_envs", "EnvState", "EnvParams"]
