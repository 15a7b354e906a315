"""Per-action cost of running a trivial command from Python, the yardsticks of `npm run bench -- environment`.

`minisweagent`: what mini-swe-agent's LocalEnvironment.execute does per action, reproduced step by step from
github.com/SWE-agent/mini-swe-agent, src/minisweagent/environments/local.py at commit
a83fcae82d2a08f0ee0c688f9d137b3566c097f8 (`execute`, `_run`, `_check_finished`; the package itself is not
installable here). `bare`: a plain `subprocess.run(cmd, shell=True)` loop.

Usage: python3 bench/python_loops.py <minisweagent|bare> <n> [command]; prints JSON: wall and CPU milliseconds per
action (CPU: this process and its children together).
"""

import json
import os
import signal
import subprocess
import sys
import time


def _run(command, cwd, env, timeout):
    process = subprocess.Popen(
        command,
        shell=True,
        text=True,
        cwd=cwd,
        env=env,
        encoding="utf-8",
        errors="replace",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=os.name == "posix",
    )
    try:
        stdout, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, _ = process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout=stdout)


class LocalEnvironment:
    """The per-action path of mini-swe-agent's LocalEnvironment (config: cwd "", env {}, timeout 30)."""

    def __init__(self):
        self.cwd = ""
        self.env = {}
        self.timeout = 30

    def execute(self, action, cwd="", *, timeout=None):
        command = action.get("command", "")
        cwd = cwd or self.cwd or os.getcwd()
        try:
            result = _run(command, cwd, os.environ | self.env, timeout or self.timeout)
            output = {"output": result.stdout, "returncode": result.returncode, "exception_info": ""}
        except Exception as e:  # noqa: BLE001 - as the original
            output = {"output": "", "returncode": -1, "exception_info": str(e)}
        self._check_finished(output)
        return output

    def _check_finished(self, output):
        lines = output.get("output", "").lstrip().splitlines(keepends=True)
        if lines and lines[0].strip() == "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT" and output["returncode"] == 0:
            raise RuntimeError("submitted")


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    command = sys.argv[3] if len(sys.argv) > 3 else "true"
    if kind == "minisweagent":
        env = LocalEnvironment()

        def act():
            env.execute({"command": command})
    elif kind == "bare":

        def act():
            subprocess.run(command, shell=True)
    else:
        raise SystemExit(f"unknown kind {kind!r}: minisweagent or bare")
    for _ in range(min(20, n)):
        act()
    before, started = os.times(), time.perf_counter()
    for _ in range(n):
        act()
    wall = time.perf_counter() - started
    after = os.times()
    cpu = sum(after[i] - before[i] for i in range(4))
    print(json.dumps({"wallMs": wall * 1000 / n, "cpuMs": cpu * 1000 / n}))


if __name__ == "__main__":
    main()
