"""The messages between the evaluation and the player. Requests (evaluation -> player) are length-prefixed
pickles: they come from the trusted side, and the player is the agent's own process anyway. Replies (player ->
evaluation) are one JSON document per line, with tagged tuples and non-string dictionary keys so that values keep
their Python types; the evaluation decodes them strictly and with bounds, never with pickle."""
import json
import pickle
import struct

MAX_MESSAGE = 256 * 1024 * 1024
# The types that are their own encoded form; a list of only these is sent and read as it is (the per-frame answers
# of an RL policy are thousands of floats).
_PLAIN = frozenset((int, float, str, bool, type(None)))
_TUPLE = "__tuple__"
_DICT = "__dict__"


def encode(value):
    """A JSON-compatible form of value (None, bool, int, float, str, list, tuple, dict)."""
    kind = type(value)
    if kind is int or kind is str or kind is float or kind is bool:
        return value
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, list):
        if kind is list and set(map(type, value)) <= _PLAIN:
            return value
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {_TUPLE: [encode(v) for v in value]}
    if isinstance(value, dict):
        return {_DICT: [[encode(k), encode(v)] for k, v in value.items()]}
    # numpy scalars and arrays
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        converted = tolist()
        if converted is not value and not hasattr(converted, "tolist"):
            return encode(converted)
    raise TypeError(f"cannot send a value of type {type(value).__name__}")


def _key(value):
    if isinstance(value, list):
        raise ValueError("a list cannot be a dictionary key")
    return value


def decode(value, depth=0):
    """The Python value of an encoded form."""
    if depth > 200:
        raise ValueError("value nested too deeply")
    kind = type(value)
    if kind is int or kind is str or kind is float or kind is bool or value is None:
        return value
    if kind is list:
        if set(map(type, value)) <= _PLAIN:
            return value
        return [decode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if set(value) == {_TUPLE} and isinstance(value[_TUPLE], list):
            return tuple(decode(v, depth + 1) for v in value[_TUPLE])
        if set(value) == {_DICT} and isinstance(value[_DICT], list):
            out = {}
            for pair in value[_DICT]:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ValueError("bad dictionary entry")
                out[_key(decode(pair[0], depth + 1))] = decode(pair[1], depth + 1)
            return out
    raise ValueError("unexpected value in message")


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed in messages")


def write_message(stream, message):
    stream.write(json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n")
    stream.flush()


def read_message(stream):
    """One message; EOFError at the end of the stream, ValueError for anything malformed."""
    line = stream.readline(MAX_MESSAGE + 1)
    if not line:
        raise EOFError
    if len(line) > MAX_MESSAGE or not line.endswith(b"\n"):
        raise ValueError("message too long or cut off")
    try:
        return json.loads(line, parse_constant=_reject_constant)
    except (RecursionError, UnicodeDecodeError) as error:
        raise ValueError(str(error)) from None


_LENGTH = struct.Struct(">Q")


def write_request(stream, request):
    payload = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def _read_exactly(stream, n):
    chunks = []
    while n > 0:
        chunk = stream.read(n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_request(stream):
    """One request from the evaluation (trusted); EOFError at the end of the stream."""
    (length,) = _LENGTH.unpack(_read_exactly(stream, _LENGTH.size))
    return pickle.loads(_read_exactly(stream, length))
