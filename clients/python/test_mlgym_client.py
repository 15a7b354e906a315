"""Unit tests of mlgym_client against a small stand-in of `mlgym serve`'s HTTP API (run:
`python3 -m unittest clients/python/test_mlgym_client.py`). The end-to-end test against the real server is
test/serve/python-client.test.ts."""

import inspect
import json
import os
import pickle
import re
import socket
import sys
import threading
import time
import typing
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mlgym_client import (  # noqa: E402
    CapacityReached,
    EpisodeEnded,
    ExecutionError,
    MLGymClient,
    MLGymError,
    MLGymToolEnv,
    NotFound,
    RequestTimeout,
    ServerUnreachable,
    Unauthorized,
    ValidationError,
    tool_env_factory,
)

TASKS = {
    "tinyCsv": {"name": "Tiny CSV", "baseline": {"accuracy": 0.6}, "metric": "accuracy"},
    "tinyRmse": {"name": "Tiny regression", "baseline": {"rmse": 2.0}, "metric": "rmse", "direction": "minimize"},
}
MAX_ACTION_CHARS = 1000


class StandIn:
    """The contract of /api/v1, minimally: envs play a scripted episode where `score X` sets the next score,
    `validate` reports it, `submit` reports it and ends the episode, and `sleep S` takes S seconds."""

    def __init__(self, token=None, max_envs=8):
        self.token = token
        self.max_envs = max_envs
        self.envs = {}
        self.actions = []
        self.requests = []
        self.lock = threading.Lock()

    def handle(self, method, path, headers, body):
        self.requests.append((method, path, body))
        if path == "/health":
            return 200, {"status": "healthy"}
        if path == "/broken":
            return 502, b"<html>bad gateway</html>"
        if self.token and headers.get("Authorization") != f"Bearer {self.token}":
            return error(401, "UNAUTHORIZED", "a bearer token is required")
        if path == "/api/v1/tasks" and method == "GET":
            return 200, {"tasks": [{"id": k, "name": v["name"], "description": "d"} for k, v in TASKS.items()]}
        if path == "/api/v1/envs" and method == "POST":
            task = body.get("task_id")
            if task not in TASKS:
                return error(404, "NOT_FOUND", f"unknown task {task!r}")
            with self.lock:
                if len(self.envs) >= self.max_envs:
                    return error(503, "CAPACITY_REACHED", "too many", active_sessions=len(self.envs))
                env_id = uuid.uuid4().hex
                self.envs[env_id] = {"task": task, "created": body, "episode": None, "done": False, "step": 0}
            return 201, {"env_id": env_id, "task_id": task}
        m = re.fullmatch(r"/api/v1/envs/([^/]+)(?:/(reset|step|state))?", path)
        if not m or m.group(1) not in self.envs:
            return error(404, "NOT_FOUND", f"no environment at {path}")
        env = self.envs[m.group(1)]
        what = m.group(2)
        if what is None and method == "DELETE":
            del self.envs[m.group(1)]
            return 200, {"closed": True}
        if what == "state":
            return 200, {"env_id": m.group(1), "task_id": env["task"], "episode_id": env["episode"],
                         "step_count": env["step"], "done": env["done"], "policy_version": None}
        if what == "reset":
            env.update(task=body.get("task_id", env["task"]), episode=body.get("episode_id") or "ep-1",
                       done=False, step=0, score=None, reset=body)
            task = TASKS[env["task"]]
            info = {"taskId": env["task"], "priorityMetric": task["metric"], "baselineScores": task["baseline"],
                    "direction": task.get("direction", "maximize"), "seed": body.get("seed", 1),
                    "episode_id": env["episode"]}
            return 200, {"observation": f"TASK {env['task']}", "info": info}
        action = body.get("action")
        if not isinstance(action, str):
            return error(400, "VALIDATION_ERROR", "action: expected a string")
        if len(action) > MAX_ACTION_CHARS:
            return error(400, "VALIDATION_ERROR", f"command: the action is {len(action)} characters long")
        if env["episode"] is None or env["done"]:
            return error(409, "EPISODE_ENDED", "the episode has ended")
        if action == "crash":
            return error(500, "EXECUTION_ERROR", "the step failed; the episode is over")
        self.actions.append(action)
        env["step"] += 1
        info = {"step": env["step"], "scores": [], "executionTime": 0.01}
        terminated = False
        if action.startswith("sleep "):
            time.sleep(float(action.split()[1]))
        if action.startswith("score "):
            env["score"] = float(action.split()[1])
        if action in ("validate", "submit") and env["score"] is not None:
            info["metrics"] = {TASKS[env["task"]]["metric"]: env["score"]}
        if action == "submit":
            terminated = True
            info["exitStatus"] = "submitted"
        env["done"] = terminated
        return 200, {"observation": f"ran: {action}", "reward": 0, "terminated": terminated, "truncated": False,
                     "info": info}


def error(status, code, message, **details):
    return status, {"error": {"code": code, "message": message, **details}}


def serve(stand_in):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def respond(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            status, payload = stand_in.handle(self.command, self.path, self.headers, body)
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = respond

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            pass  # a client that gave up (the timeout test) breaks the pipe: expected

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class StandInCase(unittest.TestCase):
    token = None
    max_envs = 8

    def setUp(self):
        self.stand_in = StandIn(token=self.token, max_envs=self.max_envs)
        self.server, self.url = serve(self.stand_in)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)


class ClientTest(StandInCase):
    def test_tasks_lists_the_servers_tasks(self):
        tasks = MLGymClient(self.url).tasks()
        self.assertEqual([t["id"] for t in tasks], ["tinyCsv", "tinyRmse"])

    def test_an_episode_from_make_to_close(self):
        client = MLGymClient(self.url + "/api/v1/")  # the API prefix and a trailing slash are accepted
        env = client.make("tinyCsv", max_steps=5, policy_version="v3")
        self.assertEqual(self.stand_in.envs[env.env_id]["created"],
                         {"task_id": "tinyCsv", "max_steps": 5, "policy_version": "v3"})
        observation, info = env.reset(seed=7, episode_id="e-42")
        self.assertEqual(observation, "TASK tinyCsv")
        self.assertEqual(info["episode_id"], "e-42")
        self.assertEqual(self.stand_in.envs[env.env_id]["reset"], {"seed": 7, "episode_id": "e-42"})
        env.step("score 0.75")
        observation, reward, terminated, truncated, info = env.step("submit")
        self.assertEqual((observation, reward, terminated, truncated), ("ran: submit", 0.0, True, False))
        self.assertIsInstance(reward, float)
        self.assertEqual(info["metrics"], {"accuracy": 0.75})
        self.assertEqual(env.state()["step_count"], 2)
        self.assertTrue(env.state()["done"])
        env.close()
        self.assertNotIn(env.env_id, self.stand_in.envs)

    def test_step_after_the_end_raises_episode_ended(self):
        env = MLGymClient(self.url).make("tinyCsv")
        env.reset()
        env.step("submit")
        with self.assertRaises(EpisodeEnded) as caught:
            env.step("ls")
        self.assertEqual((caught.exception.code, caught.exception.status), ("EPISODE_ENDED", 409))
        self.assertIsInstance(caught.exception, MLGymError)

    def test_unknown_task_raises_not_found(self):
        with self.assertRaises(NotFound) as caught:
            MLGymClient(self.url).make("noSuchTask")
        self.assertIn("noSuchTask", caught.exception.message)
        self.assertEqual(caught.exception.status, 404)

    def test_close_is_idempotent_and_the_env_refuses_use_after_it(self):
        env = MLGymClient(self.url).make("tinyCsv")
        env.close()
        deletes = [r for r in self.stand_in.requests if r[0] == "DELETE"]
        env.close()
        self.assertEqual(len([r for r in self.stand_in.requests if r[0] == "DELETE"]), len(deletes))
        with self.assertRaises(NotFound):
            env.step("ls")

    def test_close_after_the_server_closed_the_env_does_not_raise(self):
        env = MLGymClient(self.url).make("tinyCsv")
        del self.stand_in.envs[env.env_id]  # as an idle timeout does
        env.close()
        self.assertTrue(env.closed)

    def test_context_manager_closes_the_env(self):
        with MLGymClient(self.url).make("tinyCsv") as env:
            self.assertIn(env.env_id, self.stand_in.envs)
        self.assertNotIn(env.env_id, self.stand_in.envs)

    def test_bad_action_raises_validation_error_and_non_strings_type_error(self):
        env = MLGymClient(self.url).make("tinyCsv")
        env.reset()
        with self.assertRaises(ValidationError) as caught:
            env.step("x" * (MAX_ACTION_CHARS + 1))
        self.assertEqual(caught.exception.status, 400)
        with self.assertRaises(TypeError):
            env.step(["ls"])

    def test_execution_error_has_its_own_class(self):
        env = MLGymClient(self.url).make("tinyCsv")
        env.reset()
        with self.assertRaises(ExecutionError) as caught:
            env.step("crash")
        self.assertEqual(caught.exception.status, 500)

    def test_a_non_json_error_body_still_raises_mlgym_error(self):
        with self.assertRaises(MLGymError) as caught:
            MLGymClient(self.url).request("GET", "/broken")
        self.assertEqual((caught.exception.code, caught.exception.status), ("HTTP_502", 502))
        self.assertIn("bad gateway", caught.exception.message)

    def test_a_step_longer_than_the_step_timeout_raises_request_timeout(self):
        env = MLGymClient(self.url, step_timeout=0.3).make("tinyCsv")
        env.reset()
        started = time.monotonic()
        with self.assertRaises(RequestTimeout) as caught:
            env.step("sleep 1.5")
        self.assertLess(time.monotonic() - started, 1.4)
        self.assertIn("0.3 s", str(caught.exception))
        self.assertIsInstance(caught.exception, TimeoutError)

    def test_the_default_step_timeout_is_three_hours(self):
        client = MLGymClient(self.url)
        self.assertEqual(client.step_timeout, 3 * 3600)
        self.assertEqual(MLGymClient(self.url, step_timeout=None).step_timeout, None)

    def test_errors_survive_pickling(self):
        error = pickle.loads(pickle.dumps(CapacityReached("CAPACITY_REACHED", "full", 503, {"max_sessions": 2})))
        self.assertIsInstance(error, CapacityReached)
        self.assertEqual((error.code, error.status, error.details), ("CAPACITY_REACHED", 503, {"max_sessions": 2}))


class CapacityTest(StandInCase):
    max_envs = 1

    def test_more_envs_than_the_server_holds_raise_capacity_reached(self):
        client = MLGymClient(self.url)
        first = client.make("tinyCsv")
        with self.assertRaises(CapacityReached) as caught:
            client.make("tinyCsv")
        self.assertEqual(caught.exception.status, 503)
        self.assertEqual(caught.exception.details, {"active_sessions": 1})
        first.close()
        client.make("tinyCsv").close()  # room again after a close


class TokenTest(StandInCase):
    token = "s3cret"

    def test_without_the_token_requests_raise_unauthorized(self):
        with mock.patch.dict(os.environ, {"MLGYM_SERVE_TOKEN": ""}):
            with self.assertRaises(Unauthorized) as caught:
                MLGymClient(self.url).tasks()
        self.assertEqual(caught.exception.status, 401)

    def test_the_token_is_sent_as_a_bearer_header(self):
        self.assertEqual(len(MLGymClient(self.url, token="s3cret").tasks()), 2)

    def test_the_token_defaults_to_the_environment_variable(self):
        with mock.patch.dict(os.environ, {"MLGYM_SERVE_TOKEN": "s3cret"}):
            self.assertEqual(len(MLGymClient(self.url).tasks()), 2)


class UnreachableTest(unittest.TestCase):
    def test_a_closed_port_raises_server_unreachable_naming_the_url(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        with self.assertRaises(ServerUnreachable) as caught:
            MLGymClient(url).tasks()
        self.assertIn(url, str(caught.exception))
        self.assertIsInstance(caught.exception, ConnectionError)

    def test_a_url_without_a_scheme_is_refused(self):
        with self.assertRaises(ValueError):
            MLGymClient("127.0.0.1:8000")


TOOLS = ["bash", "create", "edit", "find_file", "goto", "insert", "open", "scroll_down", "scroll_up",
         "search_dir", "search_file", "submit", "validate"]


class ToolEnvTest(StandInCase):
    def make_env(self, **options):
        env = MLGymToolEnv(self.url, "tinyCsv", **options)
        self.addCleanup(env._close)
        return env

    def test_trl_discovers_exactly_the_agent_commands_as_tools(self):
        # TRL exposes every public bound method except reset and get_reward (inspect.getmembers, ismethod).
        env = self.make_env()
        methods = {n: m for n, m in inspect.getmembers(env, predicate=inspect.ismethod)
                   if n not in ("reset", "get_reward") and not n.startswith("_")}
        self.assertEqual(sorted(methods), TOOLS)
        for name, method in methods.items():
            hints = typing.get_type_hints(method)
            doc = inspect.getdoc(method) or ""
            self.assertIn("Returns:", doc, name)
            self.assertIs(hints.get("return"), str, name)
            for param in inspect.signature(method).parameters:
                self.assertIn(param, hints, f"{name}({param}) has no type hint")
                self.assertRegex(doc, rf"\n\s+{param}: \S", f"{name}'s docstring has no Args entry for {param}")

    def test_the_factory_takes_no_arguments_pickles_and_contacts_no_server_until_reset(self):
        factory = pickle.loads(pickle.dumps(tool_env_factory(self.url, "tinyCsv", max_steps=9)))
        env = factory()
        self.addCleanup(env._close)
        self.assertEqual(self.stand_in.requests, [])
        env.reset()
        created = [r for r in self.stand_in.requests if r[:2] == ("POST", "/api/v1/envs")]
        self.assertEqual(created[0][2], {"task_id": "tinyCsv", "max_steps": 9})

    def test_url_and_task_come_from_the_environment_when_not_given(self):
        with mock.patch.dict(os.environ, {"MLGYM_URL": self.url, "MLGYM_TASK": "tinyRmse"}):
            env = MLGymToolEnv()
        self.addCleanup(env._close)
        self.assertIn("TASK tinyRmse", env.reset())

    def test_reset_passes_dataset_columns_it_knows_and_ignores_the_others(self):
        env = self.make_env()
        observation = env.reset(prompt=[{"role": "user", "content": "go"}], seed=3, episode_id="row-1",
                                policy_version="step-100", answer="ignored")
        self.assertEqual(observation, "\n\nTASK tinyCsv")
        reset_body = self.stand_in.envs[env._env.env_id]["reset"]
        self.assertEqual(reset_body, {"seed": 3, "episode_id": "row-1", "task_id": "tinyCsv",
                                      "policy_version": "step-100"})
        self.assertEqual(env.episode_id, "row-1")

    def test_each_tool_sends_the_command_the_agent_would_type(self):
        env = self.make_env()
        env.reset()
        env.bash("ls -la | head")
        env.open("data/it's.csv")
        env.open("train.py", 40)
        env.goto(12)
        env.scroll_down()
        env.scroll_up()
        env.create("new.py")
        env.edit(3, 5, "def f():\n    return 1   \n")
        env.insert(0, "import os")
        env.search_dir("TODO")
        env.search_dir("TODO", "src")
        env.search_file("loss", "train.py")
        env.find_file("*.csv", "data")
        env.validate()
        self.assertEqual(self.stand_in.actions, [
            "ls -la | head",
            "open 'data/it'\\''s.csv'",
            "open 'train.py' 40",
            "goto 12",
            "scroll_down",
            "scroll_up",
            "create 'new.py'",
            "edit 3:5\ndef f():\n    return 1\nend_of_edit",
            "insert 0\nimport os\nend_of_insert",
            "search_dir 'TODO'",
            "search_dir 'TODO' 'src'",
            "search_file 'loss' 'train.py'",
            "find_file '*.csv' 'data'",
            "validate",
        ])

    def test_reward_is_the_best_scores_gain_over_the_baseline(self):
        env = self.make_env()
        env.reset()
        self.assertEqual(env.get_reward(), 0.0)
        env.bash("score 0.5")
        env.validate()  # below the baseline (0.6): no reward
        self.assertEqual(env.reward, 0.0)
        env.bash("score 0.75")
        self.assertEqual(env.validate(), "ran: validate")
        self.assertAlmostEqual(env.reward, 0.15 / 0.6)
        env.bash("score 0.7")
        env.validate()  # worse than the best so far: unchanged
        self.assertAlmostEqual(env.reward, 0.15 / 0.6)
        env.bash("score 0.9")
        self.assertIn("The episode has ended: submitted", env.submit())
        self.assertAlmostEqual(env.reward, 0.3 / 0.6)
        self.assertAlmostEqual(env.get_reward(), env.reward)
        self.assertEqual(env.best_score, 0.9)
        self.assertEqual([s["accuracy"] for s in env.scores], [0.5, 0.75, 0.7, 0.9])
        self.assertTrue(env.done)

    def test_reward_with_a_metric_to_minimize(self):
        # The direction comes from the server's reset info; a caller may also fix it.
        for direction in (None, "minimize"):
            env = MLGymToolEnv(self.url, "tinyRmse", direction=direction)
            self.addCleanup(env._close)
            env.reset()
            env.bash("score 1.5")
            env.submit()
            self.assertAlmostEqual(env.reward, 0.5 / 2.0)
            self.assertEqual(env.best_score, 1.5)

    def test_after_the_end_a_tool_raises_and_reset_starts_over_in_the_same_env(self):
        env = self.make_env()
        env.reset()
        env.bash("score 0.9")
        env.submit()
        steps = len(self.stand_in.actions)
        with self.assertRaises(EpisodeEnded):
            env.bash("ls")
        self.assertEqual(len(self.stand_in.actions), steps)
        env_id = env._env.env_id
        env.reset()
        self.assertEqual((env.reward, env.best_score, env.scores, env.done), (0.0, None, [], False))
        self.assertEqual(env._env.env_id, env_id)
        env.bash("ls")

    def test_reset_after_the_server_closed_the_session_makes_a_new_one(self):
        env = self.make_env()
        env.reset()
        old = env._env.env_id
        del self.stand_in.envs[old]  # idle timeout on the server
        self.assertEqual(env.reset(), "\n\nTASK tinyCsv")
        self.assertNotEqual(env._env.env_id, old)

    def test_a_tool_before_reset_raises(self):
        with self.assertRaises(RuntimeError):
            self.make_env().bash("ls")

    def test_bad_settings_are_refused(self):
        with self.assertRaises(ValueError):
            MLGymToolEnv(self.url, "tinyCsv", direction="up")
        with mock.patch.dict(os.environ, {"MLGYM_URL": ""}):
            with self.assertRaises(ValueError):
                MLGymToolEnv()


if __name__ == "__main__":
    unittest.main()
