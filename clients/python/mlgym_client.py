"""Python client of `mlgym serve`'s HTTP API (/api/v1), standard library only (Python 3.9+).

    from mlgym_client import MLGymClient

    client = MLGymClient("http://127.0.0.1:8000")
    with client.make("regressionKaggleHousePrice") as env:
        observation, info = env.reset(seed=0)
        observation, reward, terminated, truncated, info = env.step("ls")
        snapshot_id = env.snapshot()              # the workspace and shell at this step
        child, observation, info = env.fork(snapshot_id)   # a new episode from it, in its own sandbox

`MLGymToolEnv` is the same environment in the shape TRL's `GRPOTrainer(environment_factory=...)` expects: one
method per agent command, each with a Google-style docstring, a `reset(**kwargs)` returning the task text, and the
episode's reward in `reward` (also returned by `get_reward()`).

Errors the server reports raise a subclass of `MLGymError` per code (`NotFound`, `EpisodeEnded`,
`CapacityReached`, ...); a server that cannot be reached raises `ServerUnreachable`, naming the URL.
"""

import functools
import json
import os
import socket
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Optional, Tuple

__all__ = [
    "DEFAULT_STEP_TIMEOUT_S",
    "DEFAULT_TIMEOUT_S",
    "CapacityReached",
    "EpisodeEnded",
    "ExecutionError",
    "MLGymClient",
    "MLGymError",
    "MLGymToolEnv",
    "NotFound",
    "RemoteEnv",
    "RequestTimeout",
    "ServerUnreachable",
    "Unauthorized",
    "ValidationError",
    "tool_env_factory",
]

DEFAULT_TIMEOUT_S = 60.0
"""Seconds to wait for quick requests (tasks, make, state, close)."""

DEFAULT_STEP_TIMEOUT_S = 3 * 3600.0
"""Seconds to wait for a reset or a step: a training command may run for an hour, and the server answers a step
only when it has ended (it enforces each step's own time limit itself). None waits forever."""


class MLGymError(Exception):
    """An error the server reported (`code` as in its error body, `status` the HTTP status) or a client failure."""

    code = "ERROR"

    def __init__(
        self,
        code: str,
        message: str,
        status: Optional[int] = None,
        details: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if status is None else f"{code} ({status}): {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details or {}

    def __reduce__(self) -> Any:
        # Rebuilt from its fields, so that errors cross process boundaries (a trainer's rollout workers).
        return (type(self), (self.code, self.message, self.status, self.details))


class Unauthorized(MLGymError):
    """The server wants a token (`Authorization: Bearer`) and got none or a wrong one."""


class NotFound(MLGymError):
    """Unknown (or already closed) environment, or unknown task."""


class ValidationError(MLGymError):
    """A bad request: malformed JSON, a wrong field, an action over the size cap."""


class EpisodeEnded(MLGymError):
    """A step after the end of the episode (or before any reset): reset to start another."""


class CapacityReached(MLGymError):
    """The server already holds `--max-envs` live environments; close one or try again later."""


class ExecutionError(MLGymError):
    """A reset or step failed on the server; the message says whether the environment is still usable."""


class ServerUnreachable(MLGymError, ConnectionError):
    """No connection to the server (refused, reset, unknown host)."""


class RequestTimeout(MLGymError, TimeoutError):
    """The server did not answer within the client's timeout."""


_ERRORS_BY_CODE = {
    "UNAUTHORIZED": Unauthorized,
    "NOT_FOUND": NotFound,
    "VALIDATION_ERROR": ValidationError,
    "INVALID_JSON": ValidationError,
    "EPISODE_ENDED": EpisodeEnded,
    "CAPACITY_REACHED": CapacityReached,
    "EXECUTION_ERROR": ExecutionError,
}

_UNSET: Any = object()


def _error_from_response(status: int, body: bytes, url: str) -> MLGymError:
    """The MLGymError subclass for an error response (`{"error": {"code", "message", ...}}`)."""
    try:
        payload = json.loads(body.decode("utf-8"))
        error = payload["error"]
        code = str(error["code"])
        message = str(error.get("message", ""))
        details = {k: v for k, v in error.items() if k not in ("code", "message")}
    except (ValueError, KeyError, TypeError, AttributeError):
        text = body.decode("utf-8", "replace").strip()[:300]
        return MLGymError(f"HTTP_{status}", f"{url}: {text or 'no body'}", status)
    return _ERRORS_BY_CODE.get(code, MLGymError)(code, message, status, details)


class MLGymClient:
    """A connection to `mlgym serve` (base URL such as `http://127.0.0.1:8000`, with or without `/api/v1`).

    `token` defaults to $MLGYM_SERVE_TOKEN. `timeout` (seconds) is for quick requests; `step_timeout` for resets and
    steps (default 3 hours; None waits forever).
    """

    def __init__(
        self,
        base_url: str,
        token: Optional[str] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT_S,
        step_timeout: Optional[float] = DEFAULT_STEP_TIMEOUT_S,
    ) -> None:
        url = base_url.rstrip("/")
        if url.endswith("/api/v1"):
            url = url[: -len("/api/v1")]
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {base_url!r}")
        self.base_url = url
        self.token = token if token is not None else os.environ.get("MLGYM_SERVE_TOKEN") or None
        self.timeout = timeout
        self.step_timeout = step_timeout

    def request(
        self,
        method: str,
        path: str,
        body: Optional[Dict[str, Any]] = None,
        timeout: Any = _UNSET,
    ) -> Any:
        """Sends one request (`path` from the server root, e.g. `/api/v1/tasks`) and returns the decoded JSON body."""
        url = self.base_url + path
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        wait = self.timeout if timeout is _UNSET else timeout
        try:
            with urllib.request.urlopen(request, timeout=wait) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            raise _error_from_response(e.code, e.read(), url) from None
        except urllib.error.URLError as e:
            if isinstance(e.reason, (socket.timeout, TimeoutError)):
                raise RequestTimeout("TIMEOUT", f"{method} {url}: no answer within {wait} s") from e
            raise ServerUnreachable(
                "CONNECTION_ERROR",
                f"cannot reach the MLGym server at {self.base_url} ({method} {url}): {e.reason}; "
                "is `mlgym serve` running there?",
            ) from e
        except (socket.timeout, TimeoutError) as e:
            raise RequestTimeout("TIMEOUT", f"{method} {url}: no answer within {wait} s") from e
        except (ConnectionError, OSError) as e:
            raise ServerUnreachable(
                "CONNECTION_ERROR", f"lost the connection to the MLGym server at {self.base_url} ({method} {url}): {e}"
            ) from e
        try:
            return json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError as e:
            raise MLGymError("BAD_RESPONSE", f"{method} {url}: the answer is not JSON: {raw[:200]!r}") from e

    def health(self) -> Dict[str, Any]:
        """The server's `/health` answer (`{"status": "healthy"}` when it serves)."""
        return self.request("GET", "/health")

    def tasks(self) -> List[Dict[str, Any]]:
        """The tasks the server offers: `[{"id", "name", "description"}]`."""
        return self.request("GET", "/api/v1/tasks")["tasks"]

    def make(self, task_id: str, **options: Any) -> "RemoteEnv":
        """A new environment of `task_id` on the server (one sandbox; call `reset` to start an episode).

        Options: `max_steps`, `max_observation_chars`, `policy_version` (recorded in the trajectory).
        """
        body = {"task_id": task_id}
        body.update({k: v for k, v in options.items() if v is not None})
        created = self.request("POST", "/api/v1/envs", body)
        return RemoteEnv(self, created["env_id"], created.get("task_id", task_id))

    def snapshots(self) -> List[Dict[str, Any]]:
        """The snapshots the server holds: `[{"snapshot_id", "task_id", "episode_id", "step", "created_at"}]`."""
        return self.request("GET", "/api/v1/snapshots")["snapshots"]

    def delete_snapshot(self, snapshot_id: str) -> None:
        """Deletes a snapshot (`NotFound` when the server holds none of that id)."""
        self.request("DELETE", f"/api/v1/snapshots/{urllib.request.quote(snapshot_id, safe='')}")

    def fork(self, snapshot_id: str, **options: Any) -> Tuple["RemoteEnv", str, Dict[str, Any]]:
        """A new environment continuing from a snapshot: `(env, observation, info)`.

        The fork has the snapshot's task, workspace, shell state (directory, variables, functions, aliases), step
        count and scores, in a sandbox of its own: what it changes stays its own. `info["fromSnapshot"]` names the
        snapshot. Options as `reset` (`episode_id`, `policy_version`, `seed`, ...).
        """
        listed = [s for s in self.snapshots() if s["snapshot_id"] == snapshot_id]
        if not listed:
            raise NotFound("NOT_FOUND", f"no snapshot {snapshot_id!r} on the server")
        env = self.make(listed[0]["task_id"])
        try:
            observation, info = env.reset(snapshot_id=snapshot_id, **options)
        except BaseException:
            env.close()
            raise
        return env, observation, info


class RemoteEnv:
    """One environment on the server, with Gymnasium's `reset` and `step`; close it (or use `with`) when done."""

    def __init__(self, client: MLGymClient, env_id: str, task_id: str) -> None:
        self.client = client
        self.env_id = env_id
        self.task_id = task_id
        self.closed = False

    def _path(self, suffix: str = "") -> str:
        return f"/api/v1/envs/{urllib.request.quote(self.env_id, safe='')}{suffix}"

    def _check_open(self) -> None:
        if self.closed:
            raise NotFound("NOT_FOUND", f"environment {self.env_id} was closed by this client")

    def reset(
        self, seed: Optional[int] = None, episode_id: Optional[str] = None, **options: Any
    ) -> Tuple[str, Dict[str, Any]]:
        """Starts a new episode (a fresh workspace); returns `(observation, info)`; info has `episode_id`.

        Options: `task_id` (switch task), `policy_version`, `max_steps`, `max_observation_chars`, `snapshot_id`
        (continue from that snapshot instead: see `fork`).
        """
        self._check_open()
        body: Dict[str, Any] = {k: v for k, v in options.items() if v is not None}
        if seed is not None:
            body["seed"] = int(seed)
        if episode_id is not None:
            body["episode_id"] = episode_id
        result = self.client.request("POST", self._path("/reset"), body, timeout=self.client.step_timeout)
        info = result.get("info") or {}
        self.task_id = info.get("taskId", self.task_id)
        return result["observation"], info

    def step(self, action: str) -> Tuple[str, float, bool, bool, Dict[str, Any]]:
        """Runs one action; returns `(observation, reward, terminated, truncated, info)`."""
        if not isinstance(action, str):
            raise TypeError(f"action must be a str (a command line), got {type(action).__name__}")
        self._check_open()
        result = self.client.request("POST", self._path("/step"), {"action": action}, timeout=self.client.step_timeout)
        return (
            result["observation"],
            float(result.get("reward") or 0.0),
            bool(result["terminated"]),
            bool(result["truncated"]),
            result.get("info") or {},
        )

    def snapshot(self) -> str:
        """Snapshots the episode between steps (workspace, shell state, step count); returns the snapshot's id.

        Fork it with `env.fork(id)` or `client.fork(id)` as often as needed; processes left running in the
        background are not part of it. The server keeps it until `client.delete_snapshot(id)` or its shutdown.
        """
        self._check_open()
        return self.client.request("POST", self._path("/snapshot"), timeout=self.client.step_timeout)["snapshot_id"]

    def fork(self, snapshot_id: str, **options: Any) -> Tuple["RemoteEnv", str, Dict[str, Any]]:
        """`client.fork(snapshot_id)`: a new environment continuing from a snapshot, as `(env, observation, info)`."""
        return self.client.fork(snapshot_id, **options)

    def state(self) -> Dict[str, Any]:
        """`{"env_id", "task_id", "episode_id", "step_count", "done", "policy_version"}`."""
        self._check_open()
        return self.client.request("GET", self._path("/state"))

    def close(self) -> None:
        """Closes the environment (the server writes the trajectory); closing again does nothing."""
        if self.closed:
            return
        try:
            self.client.request("DELETE", self._path())
        except NotFound:
            pass  # already closed by the server (idle timeout, shutdown)
        self.closed = True

    def __enter__(self) -> "RemoteEnv":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteEnv(env_id={self.env_id!r}, task_id={self.task_id!r}, closed={self.closed})"


def _quote(text: str) -> str:
    """Single-quotes a shell word (as the agent's tool calls are written out)."""
    return "'" + text.replace("'", "'\\''") + "'"


def _join(*parts: Optional[str]) -> str:
    return " ".join(p for p in parts if p is not None)


def _multiline(header: str, text: str, end: str) -> str:
    """A command whose text follows on its own lines and ends at a line holding only `end`."""
    if text.endswith("\n"):
        text = text[:-1]
    body = "\n".join(line.rstrip() for line in text.split("\n"))
    return f"{header}\n{body}\n{end}"


class MLGymToolEnv:
    """An MLGym episode in the shape of TRL's `environment_factory`: the agent's commands as tool methods.

    TRL creates instances with no arguments, so the server, task and token come from the constructor (bind them with
    `tool_env_factory(...)`) or from $MLGYM_URL, $MLGYM_TASK and $MLGYM_SERVE_TOKEN. Every public method except
    `reset` and `get_reward` is a tool; helpers are private for that reason. TRL 1.8+ calls `get_reward()` after
    each rollout; older versions (0.29 to 1.7) read `reward` through a reward function and would offer `get_reward`
    as a tool (set `get_reward = None` in a subclass there).

    `reward` is the improvement of the best priority-metric score of the episode over the task's baseline, divided
    by |baseline| (positive when better in `direction`, 0 when no score beat the baseline); with no baseline, the
    gain over the episode's first score. This is what the environment's `improvement` reward mode sums to.
    `best_score` holds the best raw score, `scores` every evaluation's metrics.
    """

    def __init__(
        self,
        base_url: Optional[str] = None,
        task_id: Optional[str] = None,
        token: Optional[str] = None,
        direction: Optional[str] = None,
        timeout: Optional[float] = DEFAULT_TIMEOUT_S,
        step_timeout: Optional[float] = DEFAULT_STEP_TIMEOUT_S,
        **options: Any,
    ) -> None:
        url = base_url or os.environ.get("MLGYM_URL")
        if not url:
            raise ValueError("MLGymToolEnv needs the server's URL: pass base_url= or set $MLGYM_URL")
        if direction not in (None, "maximize", "minimize"):
            raise ValueError(f"direction must be 'maximize' or 'minimize', got {direction!r}")
        self._client = MLGymClient(url, token=token, timeout=timeout, step_timeout=step_timeout)
        self.task_id = task_id or os.environ.get("MLGYM_TASK") or None
        self.direction = direction
        self._direction = direction or "maximize"
        self._options = options
        self._env: Optional[RemoteEnv] = None
        self.reward = 0.0
        self.best_score: Optional[float] = None
        self.scores: List[Dict[str, Any]] = []
        self.done = False
        self.episode_id: Optional[str] = None
        self._baseline: Optional[float] = None
        self._metric: Optional[str] = None
        self._best: Optional[float] = None

    def reset(self, **kwargs: Any) -> str:
        """Starts an episode and returns the task text (after a blank line, as TRL appends it to the prompt).

        Dataset columns arrive as keyword arguments: `task_id`, `seed`, `episode_id`, `policy_version`,
        `max_steps` and `max_observation_chars` are used, the others ignored.
        """
        task_id = kwargs.get("task_id") or self.task_id
        if not task_id:
            raise ValueError("MLGymToolEnv.reset needs a task: pass task_id (a dataset column) or set $MLGYM_TASK")
        self.task_id = task_id
        reset_options = {
            k: kwargs[k] for k in ("policy_version", "max_steps", "max_observation_chars") if kwargs.get(k) is not None
        }
        seed = kwargs.get("seed")
        episode_id = kwargs.get("episode_id")
        if self._env is None:
            self._env = self._client.make(task_id, **self._options)
        try:
            observation, info = self._env.reset(seed=seed, episode_id=episode_id, task_id=task_id, **reset_options)
        except NotFound:
            # The server closed the session (idle timeout): start over with a new one.
            self._env = self._client.make(task_id, **self._options)
            observation, info = self._env.reset(seed=seed, episode_id=episode_id, task_id=task_id, **reset_options)
        self.reward = 0.0
        self.best_score = None
        self.scores = []
        self.done = False
        self.episode_id = info.get("episode_id")
        self._metric = info.get("priorityMetric")
        # The task's own direction (the server says it), unless the caller fixed one.
        self._direction = self.direction or info.get("direction") or "maximize"
        baseline = (info.get("baselineScores") or {}).get(self._metric) if self._metric else None
        self._baseline = float(baseline) if isinstance(baseline, (int, float)) else None
        self._best = None
        return "\n\n" + observation

    def get_reward(self) -> float:
        """The episode's reward (TRL calls this once per rollout); the same value as the `reward` attribute."""
        return self.reward

    def _record(self, info: Dict[str, Any]) -> None:
        metrics = info.get("metrics")
        if not isinstance(metrics, dict):
            return
        self.scores.append(metrics)
        score = metrics.get(self._metric) if self._metric else None
        if not isinstance(score, (int, float)) or score != score or score in (float("inf"), float("-inf")):
            return
        sign = 1.0 if self._direction == "maximize" else -1.0
        if self.best_score is None or sign * (score - self.best_score) > 0:
            self.best_score = float(score)
        reference = self._best if self._best is not None else self._baseline
        if reference is None:
            self._best = float(score)
            return
        gain = sign * (score - reference)
        if gain <= 0:
            self._best = reference
            return
        scale = abs(self._baseline) if self._baseline not in (None, 0.0) else 1.0
        self.reward += gain / scale
        self._best = float(score)

    def _run(self, action: str) -> str:
        if self._env is None:
            raise RuntimeError("reset() starts the episode; no command runs before it")
        if self.done:
            raise EpisodeEnded("EPISODE_ENDED", "the episode has ended; no more commands run")
        observation, _reward, terminated, truncated, info = self._env.step(action)
        self._record(info)
        if terminated or truncated:
            self.done = True
            status = info.get("exitStatus")
            observation += f"\n(The episode has ended{': ' + status if status else ''}.)"
        return observation

    def _close(self) -> None:
        """Closes the server environment (private so that TRL does not offer it as a tool)."""
        if self._env is not None:
            self._env.close()
            self._env = None

    def __enter__(self) -> "MLGymToolEnv":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._close()

    def bash(self, command: str) -> str:
        """
        Runs one shell command in the persistent shell of the workspace and returns its output.

        Args:
            command: The command line to run.

        Returns:
            The command's output.
        """
        return self._run(command)

    def open(self, path: str, line_number: Optional[int] = None) -> str:
        """
        Shows the file at path in the editor window; with line_number, the window is placed so that it shows that line.

        Args:
            path: Path of the file to show.
            line_number: Line to bring into view (without it the window starts at the first line).

        Returns:
            The window of the file.
        """
        return self._run(_join("open", _quote(path), None if line_number is None else str(int(line_number))))

    def goto(self, line_number: int) -> str:
        """
        Moves the editor window so that it shows line_number.

        Args:
            line_number: The line to show.

        Returns:
            The window of the open file.
        """
        return self._run(f"goto {int(line_number)}")

    def scroll_down(self) -> str:
        """
        Moves the editor window down by one window.

        Returns:
            The window of the open file.
        """
        return self._run("scroll_down")

    def scroll_up(self) -> str:
        """
        Moves the editor window up by one window.

        Returns:
            The window of the open file.
        """
        return self._run("scroll_up")

    def create(self, filename: str) -> str:
        """
        Makes a new file with the given name and shows it in the editor.

        Args:
            filename: Name of the file to make.

        Returns:
            The editor window of the new file.
        """
        return self._run(f"create {_quote(filename)}")

    def edit(self, start_line: int, end_line: int, replacement_text: str) -> str:
        """
        Replaces lines start_line to end_line (both included) of the open file with replacement_text, written
        exactly as given (indent every line correctly). Python files are checked with flake8; an edit that
        introduces errors is undone and the errors are shown.

        Args:
            start_line: First line to replace.
            end_line: Last line to replace (included).
            replacement_text: The text that takes the place of those lines.

        Returns:
            The edited window of the file, or the errors that undid the edit.
        """
        return self._run(_multiline(f"edit {int(start_line)}:{int(end_line)}", replacement_text, "end_of_edit"))

    def insert(self, line_number: int, text_to_add: str) -> str:
        """
        Adds text_to_add after line line_number of the open file (0 adds it at the top), written exactly as
        given. Python files are checked with flake8; an insertion that introduces errors is undone and the errors
        are shown.

        Args:
            line_number: The line after which the text goes.
            text_to_add: The text to add.

        Returns:
            The edited window of the file, or the errors that undid the insertion.
        """
        return self._run(_multiline(f"insert {int(line_number)}", text_to_add, "end_of_insert"))

    def search_dir(self, search_term: str, dir: Optional[str] = None) -> str:
        """
        Looks for search_term in every file under dir (the current directory by default) and lists the files
        that contain it with their number of matches.

        Args:
            search_term: The text to look for.
            dir: The directory to search (the current directory by default).

        Returns:
            The matching files.
        """
        return self._run(_join("search_dir", _quote(search_term), None if dir is None else _quote(dir)))

    def search_file(self, search_term: str, file: Optional[str] = None) -> str:
        """
        Looks for search_term in file (the file open in the editor by default) and lists the matching lines.

        Args:
            search_term: The text to look for.
            file: The file to search (the file open in the editor by default).

        Returns:
            The matching lines.
        """
        return self._run(_join("search_file", _quote(search_term), None if file is None else _quote(file)))

    def find_file(self, file_name: str, dir: Optional[str] = None) -> str:
        """
        Lists the files named file_name (shell wildcards allowed) under dir (the current directory by default).

        Args:
            file_name: The file name or wildcard pattern to look for.
            dir: The directory to search (the current directory by default).

        Returns:
            The matching paths.
        """
        return self._run(_join("find_file", _quote(file_name), None if dir is None else _quote(dir)))

    def validate(self) -> str:
        """
        Evaluates the current submission and reports its scores on the test set; the episode goes on.

        Returns:
            The scores, or why the evaluation failed.
        """
        return self._run("validate")

    def submit(self) -> str:
        """
        Hands in the current solution for the final evaluation and ends the episode.

        Returns:
            The final scores.
        """
        return self._run("submit")


def tool_env_factory(base_url: str, task_id: Optional[str] = None, **options: Any) -> Callable[[], MLGymToolEnv]:
    """A zero-argument factory of `MLGymToolEnv` for `GRPOTrainer(environment_factory=...)` (picklable)."""
    return functools.partial(MLGymToolEnv, base_url, task_id, **options)
