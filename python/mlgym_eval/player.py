"""The player: imports the agent's module and answers the evaluation's calls (run in the agent's own sandbox).

The protocol travels on the descriptors the process was started with (0: requests, 1: replies); before any agent
code runs they are moved out of the way, and the agent's prints go to standard error, which the evaluation never
reads as metrics."""
import importlib
import os
import sys
import traceback

from mlgym_eval.seeding import seed_process
from mlgym_eval.wire import encode, read_request, write_message


def _protocol_streams():
    requests_fd = os.dup(0)
    replies_fd = os.dup(1)
    for fd in (requests_fd, replies_fd):
        os.set_blocking(fd, True)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    return os.fdopen(requests_fd, "rb", buffering=0), os.fdopen(replies_fd, "wb", buffering=0)


def _error(summary_prefix):
    kind, value, tb = sys.exc_info()
    details = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(details)
    sys.stderr.flush()
    last = traceback.format_exception_only(kind, value)[-1].strip()
    return {"error": {"summary": f"{summary_prefix}: {last}", "details": details}}


def _append_round(histories, flat, width):
    """Appends one round, sent flat, to every game's history: (row, column) numbers, or two lists of `width`."""
    if width == 0:
        it = iter(flat)
        for history, row, column in zip(histories, it, it):
            history.append((row, column))
        return
    step = 2 * width
    for i, history in enumerate(histories):
        at = i * step
        history.append((flat[at : at + width], flat[at + width : at + step]))


def _function_name(request, games):
    for key in ("call", "map", "games"):
        if key in request:
            return request[key][1]
    fn = games.get("fn")
    return getattr(fn, "__name__", "the function")


def main():
    requests, replies = _protocol_streams()
    # Before the agent's code is imported: its randomness is drawn from the episode's seed too (a stream of its own).
    seed_process("player")
    # The agent's code is imported from the working directory (its workspace), as the original's evaluation did.
    sys.path.insert(0, os.getcwd())
    functions = {}
    games = {"fn": None, "histories": []}

    def lookup(target):
        module, name = target
        key = (module, name)
        if key not in functions:
            functions[key] = getattr(importlib.import_module(module), name)
        return functions[key]

    while True:
        try:
            request = read_request(requests)
        except EOFError:
            return
        reply = None
        try:
            if "load" in request:
                target = request["load"]
                try:
                    lookup(target)
                except BaseException:
                    reply = _error(f"could not import {target[1]} from {target[0]}.py")
                else:
                    reply = {"ok": None}
            elif "call" in request:
                fn = lookup(request["call"])
                reply = {"ok": encode(fn(*request["args"]))}
            elif "map" in request:
                fn = lookup(request["map"])
                reply = {"ok": encode([fn(*args) for args in request["args"]])}
            elif "games" in request:
                games["fn"] = lookup(request["games"])
                games["histories"] = [[] for _ in range(int(request["count"]))]
                reply = {"ok": None}
            elif "moves" in request:
                histories = games["histories"]
                if request["moves"] is not None:
                    _append_round(histories, request["moves"], int(request["width"]))
                fn = games["fn"]
                reply = {"ok": encode([fn(list(history)) for history in histories])}
            else:
                reply = {"error": {"summary": "unknown request", "details": ""}}
        except SystemExit:
            reply = _error("the agent's code called exit")
        except BaseException:
            reply = _error(f"{_function_name(request, games)} raised an exception")
        sys.stdout.flush()
        write_message(replies, reply)


if __name__ == "__main__":
    main()
