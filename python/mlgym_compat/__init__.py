"""Compatibility of the task runtime with code written for the original MLGym's image.

The original's agents ran scikit-learn 1.4/1.5, where ``mean_squared_error(..., squared=False)`` still worked with a
FutureWarning; scikit-learn 1.6 removed the argument, so the same code raises a TypeError here. ``install()`` makes
the newer scikit-learn accept ``squared=`` again (with the warning the original's runs printed), patching the module
when it is first imported so that Python processes that never use scikit-learn pay nothing.
"""

import sys
import warnings

__all__ = ["install", "SQUARED_WARNING"]

SQUARED_WARNING = (
    "'squared' is deprecated in version 1.4 and will be removed in 1.6. To calculate the root mean squared error, "
    "use the function'root_mean_squared_error'."
)
SQUARED_LOG_WARNING = (
    "'squared' is deprecated in version 1.4 and will be removed in 1.6. To calculate the root mean squared "
    "logarithmic error, use the function'root_mean_squared_log_error'."
)


def _accepting_squared(plain, root, message):
    """``plain`` (a function without ``squared``) that takes ``squared=`` again: ``False`` calls ``root``."""

    def wrapper(*args, squared="deprecated", **kwargs):
        if squared != "deprecated":
            warnings.warn(message, FutureWarning, stacklevel=2)
            if not squared:
                return root(*args, **kwargs)
        return plain(*args, **kwargs)

    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(wrapper, attr, getattr(plain, attr, None))
    wrapper.__wrapped__ = plain
    wrapper._mlgym_compat = True
    return wrapper


def _takes_squared(function):
    code = getattr(getattr(function, "__wrapped__", function), "__code__", None)
    return code is not None and "squared" in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]


def _patch_sklearn_regression(module):
    pairs = (
        ("mean_squared_error", "root_mean_squared_error", SQUARED_WARNING),
        ("mean_squared_log_error", "root_mean_squared_log_error", SQUARED_LOG_WARNING),
    )
    for name, root_name, message in pairs:
        plain = getattr(module, name, None)
        root = getattr(module, root_name, None)
        if plain is None or root is None or getattr(plain, "_mlgym_compat", False) or _takes_squared(plain):
            continue
        setattr(module, name, _accepting_squared(plain, root, message))


# Module name -> what to do right after it is executed (before any `from ... import` of it sees its names).
_PATCHES = {"sklearn.metrics._regression": _patch_sklearn_regression}


class _PatchAfterImport:
    """A meta-path finder that lets the other finders find a patched module, then runs its patch after loading."""

    def find_spec(self, name, path=None, target=None):
        patch = _PATCHES.get(name)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        execute = loader.exec_module

        def exec_module(module):
            execute(module)
            try:
                patch(module)
            except Exception:  # a compatibility patch must never break the import it rides on
                pass

        loader.exec_module = exec_module
        return spec


def install():
    """Patches modules already imported and those imported later; safe to call more than once."""
    if any(isinstance(finder, _PatchAfterImport) for finder in sys.meta_path):
        return
    for name, patch in _PATCHES.items():
        module = sys.modules.get(name)
        if module is not None:
            patch(module)
    sys.meta_path.insert(0, _PatchAfterImport())
