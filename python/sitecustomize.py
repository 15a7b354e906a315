"""Run by Python at start-up in the agent's shell, where this folder is on PYTHONPATH (see mlgym_compat)."""

try:
    import mlgym_compat

    mlgym_compat.install()
except Exception:  # start-up must never fail because of a compatibility shim
    pass
