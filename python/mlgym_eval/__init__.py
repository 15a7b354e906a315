"""Trusted support for evaluations that call the agent's code.

The evaluation (trusted) and the agent's code run in different processes: `agent_function("strategy",
"row_strategy")` returns a proxy whose calls are sent to a player process (`python -m mlgym_eval.player`) that
imports the agent's module and answers. Under mlgym the player runs in its own sandbox without the hidden files and
is connected on file descriptors 3 (requests) and 4 (replies); run by hand, a local player subprocess is started in
the current folder. Nothing the agent's code prints or does reaches the evaluation except the values it returns,
which the evaluation checks.
"""
import os
import subprocess
import sys

from .wire import decode, read_message, write_request

__all__ = ["AgentCodeError", "agent_function", "agent_games"]

REQUESTS_FD = 3
REPLIES_FD = 4


class AgentCodeError(Exception):
    """The agent's code raised, could not be imported, exited, or answered out of protocol."""

    def __init__(self, summary, details=""):
        super().__init__(summary)
        self.summary = summary
        self.details = details


class _Channel:
    """The player process, reached through messages."""

    def __init__(self):
        self.process = None
        if os.environ.get("MLGYM_AGENT_CHANNEL") == "fds":
            self.requests = os.fdopen(REQUESTS_FD, "wb", buffering=0)
            # Buffered: replies are read a line at a time, and an unbuffered readline costs a system call per byte.
            self.replies = os.fdopen(REPLIES_FD, "rb")
            os.set_blocking(REQUESTS_FD, True)
            os.set_blocking(REPLIES_FD, True)
        else:
            # Run by hand: the agent's code still runs in a separate process, in the current folder.
            self.process = subprocess.Popen(
                [sys.executable, "-B", "-m", "mlgym_eval.player"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=os.getcwd(),
            )
            self.requests = self.process.stdin
            self.replies = self.process.stdout

    def request(self, request):
        self.send(request)
        return self.receive()

    def send(self, request):
        try:
            write_request(self.requests, request)
        except (BrokenPipeError, OSError):
            raise AgentCodeError("the agent's code exited before it was called") from None

    def receive(self):
        try:
            reply = read_message(self.replies)
        except EOFError:
            raise AgentCodeError("the agent's code exited without answering") from None
        except ValueError as error:
            raise AgentCodeError(f"the agent's process broke the protocol ({error})") from None
        if not isinstance(reply, dict):
            raise AgentCodeError("the agent's process broke the protocol (the reply is not an object)")
        if "error" in reply:
            error = reply["error"]
            if not isinstance(error, dict):
                raise AgentCodeError("the agent's process broke the protocol (bad error reply)")
            raise AgentCodeError(str(error.get("summary", "error"))[:2000], str(error.get("details", ""))[:20000])
        if "ok" not in reply:
            raise AgentCodeError("the agent's process broke the protocol (no result)")
        return decode(reply["ok"])

    def load(self, module, name):
        self.request({"load": [module, name]})

    def call(self, module, name, args):
        return self.request({"call": [module, name], "args": list(args)})

    def map(self, module, name, calls):
        return self.request({"map": [module, name], "args": [list(a) for a in calls]})

    def start_games(self, module, name, count):
        self.request({"games": [module, name], "count": count})

    def send_round(self, last_round):
        # The round as one flat list of numbers (the player rebuilds each entry): much cheaper than nested values.
        if last_round is None:
            self.send({"moves": None})
            return
        first = last_round[0][0] if last_round else 0
        width = len(first) if isinstance(first, (list, tuple)) else 0
        flat = []
        if width == 0:
            for row, column in last_round:
                flat.append(row)
                flat.append(column)
        else:
            for row, column in last_round:
                if len(row) != width or len(column) != width:
                    raise ValueError("every move of a round must have the same length")
                flat.extend(row)
                flat.extend(column)
        self.send({"moves": flat, "width": width})

    def receive_moves(self):
        return self.receive()


class _InProcess:
    """The original's design, the agent's code imported into the evaluation itself: only for measuring what the
    separate process costs (`MLGYM_AGENT_CHANNEL=in-process`); mlgym never scores an evaluation this way."""

    def __init__(self):
        import importlib

        sys.path.insert(0, os.getcwd())
        self._import = importlib.import_module
        self.fn = None
        self.histories = []

    def _lookup(self, module, name):
        try:
            return getattr(self._import(module), name)
        except Exception as error:
            raise AgentCodeError(f"could not import {name} from {module}.py: {error!r}") from None

    def load(self, module, name):
        self._lookup(module, name)

    def call(self, module, name, args):
        return self._lookup(module, name)(*args)

    def map(self, module, name, calls):
        fn = self._lookup(module, name)
        return [fn(*a) for a in calls]

    def start_games(self, module, name, count):
        self.fn = self._lookup(module, name)
        self.histories = [[] for _ in range(count)]

    def send_round(self, last_round):
        if last_round is not None:
            for history, move in zip(self.histories, last_round):
                history.append(move)
        self.pending = [self.fn(list(history)) for history in self.histories]

    def receive_moves(self):
        return self.pending


_channel = None


def _get_channel():
    global _channel
    if _channel is None:
        _channel = _InProcess() if os.environ.get("MLGYM_AGENT_CHANNEL") == "in-process" else _Channel()
    return _channel


class AgentFunction:
    """A function of the agent's code, called in the player process."""

    def __init__(self, module, name):
        self.module = module
        self.name = name

    def __call__(self, *args):
        return _get_channel().call(self.module, self.name, args)

    def map(self, calls):
        """Calls the function once per argument tuple in one round trip; returns the results in order."""
        result = _get_channel().map(self.module, self.name, calls)
        if not isinstance(result, list) or len(result) != len(calls):
            raise AgentCodeError("the agent's process broke the protocol (wrong number of results)")
        return result

    def load(self):
        """Imports the agent's module now, so that import errors are reported as such."""
        _get_channel().load(self.module, self.name)
        return self


def agent_function(module, name):
    """A proxy for `module.name` of the agent's code; the module is imported in the player process."""
    return AgentFunction(module, name).load()


class AgentGames:
    """Many repeated games at once against the agent's strategy: one round trip per round for all games."""

    def __init__(self, module, name, count):
        self.count = count
        AgentFunction(module, name).load()
        _get_channel().start_games(module, name, count)

    def send_round(self, last_round):
        """Appends `last_round[i]` (the round just played, as the evaluation recorded it) to the history of game i
        (None before the first round) and asks for the strategy's next move in every game, called with a copy of
        that game's history. The evaluation may compute its own side meanwhile, then call `receive_moves`."""
        _get_channel().send_round(last_round)

    def receive_moves(self):
        """The moves asked for by `send_round`, one per game."""
        moves = _get_channel().receive_moves()
        if not isinstance(moves, list) or len(moves) != self.count:
            raise AgentCodeError("the agent's process broke the protocol (wrong number of moves)")
        return moves

    def next_moves(self, last_round):
        """`send_round` then `receive_moves`."""
        self.send_round(last_round)
        return self.receive_moves()


def agent_games(module, name, count):
    """`count` games in parallel whose moves come from `module.name(history)` of the agent's code."""
    return AgentGames(module, name, count)
