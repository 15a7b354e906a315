"""Finding a real gymnax installation besides mlgym's stand-in."""
import importlib.machinery
import os

SHIM_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_real_gymnax(path):
    """The import spec of a `gymnax` package on `path` (a sys.path-like list) that is not mlgym's shim, or None."""
    others = [p for p in path if os.path.abspath(p or os.curdir) != SHIM_ROOT]
    spec = importlib.machinery.PathFinder.find_spec("gymnax", others)
    if spec is None or spec.origin is None:
        return None
    if os.path.dirname(os.path.dirname(os.path.abspath(spec.origin))) == SHIM_ROOT:
        return None
    return spec
