"""Runs a trusted evaluation script as `__main__` and ends the process with the script's own exit status.

At the end of a normal run Python tears the interpreter down: module globals are cleared, exit handlers and the
destructors of extension modules run. Some libraries can crash there, after the script has printed its score: the
thread pools of pyarrow (behind `pandas.read_parquet`) now and then abort the process at exit with "terminate called
without an active exception" (SIGABRT, apache/arrow#34314). The evaluation's output would then be thrown away for a
crash that is neither the script's nor the agent's. So once the script has ended, its non-daemon threads are joined
and its output flushed, as Python would, and the process leaves at once (`os._exit`) with the status Python would
have given: 0 when the script returns, the code of `sys.exit` (a message is printed to stderr and gives 1), 1 with
the traceback when it raises."""
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


def _finish():
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


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
    try:
        _finish()
    except BaseException:
        traceback.print_exc()
        status = status or 1
    os._exit(status)
