"""Runs a trusted evaluation script as `__main__` and ends the process with the script's own exit status.

At the end of a normal run Python first does what the script's code asked for at exit (it joins the non-daemon
threads, shuts idle thread pools down, runs the `atexit` handlers, which flush logging and stop multiprocessing's
workers), then tears the interpreter down (module globals cleared, objects finalized) and C's exit runs the
destructors of extension modules. Some libraries crash in that last part, after the score is printed: the thread
pools of pyarrow (behind `pandas.read_parquet`) now and then abort the process at exit with "terminate called
without an active exception" (SIGABRT, apache/arrow#34314). The evaluation's output would then be thrown away for
a crash that is neither the script's nor the agent's. So `run` does the first part as Python does, flushes the
output and leaves at once (`os._exit`) with the status Python would have given: 0 when the script returns, the
code of `sys.exit` (a message is printed to stderr and gives 1), 1 with the traceback when it raises."""
import atexit
import os
import runpy
import sys
import threading
import traceback


def exit_status(code):
    """The process status Python gives `sys.exit(code)`."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def run(path):
    """Runs the script at `path` as `__main__` and exits the process with its status (never returns)."""
    try:
        runpy.run_path(path, run_name="__main__")
        status = 0
    except SystemExit as stop:
        status = exit_status(stop.code)
    except BaseException:
        traceback.print_exc()
        status = 1
    # CPython's own exit steps, in Py_FinalizeEx's order: threading's shutdown (idle executors stopped, non-daemon
    # threads joined), then the atexit handlers. An interpreter without them gets Python's whole exit instead.
    shutdown = getattr(threading, "_shutdown", None)
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if shutdown is None or run_handlers is None:
        sys.exit(status)
    try:
        shutdown()
        run_handlers()
    except BaseException:
        traceback.print_exc()
        status = status or 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(status)
