"""Plays one MLGym episode against `mlgym serve` and prints the score.

    mlgym serve --port 8000 &
    python3 clients/python/example.py --url http://127.0.0.1:8000 --task tinyPython
    python3 clients/python/example.py --task tinyCsv --command "python baseline.py" --command validate --command submit
    python3 clients/python/example.py --task tinyPython --trl   # the same through the TRL-shaped adapter

Each --command is one action (default: ls, validate, submit); the episode is submitted if the commands did not end
it. With --trl, the episode is played the way TRL's GRPOTrainer drives an `environment_factory`: `validate` and
`submit` call their tool methods, any other command the `bash` tool. Exit status 0 when the episode ended.
"""

import argparse
import inspect
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from mlgym_client import MLGymClient, MLGymError, tool_env_factory  # noqa: E402


def shorten(text: str, lines: int = 15) -> str:
    rows = text.rstrip("\n").split("\n")
    if len(rows) <= lines:
        return "\n".join(rows)
    return "\n".join(rows[:lines] + [f"... ({len(rows) - lines} more lines)"])


def play(args: argparse.Namespace) -> int:
    client = MLGymClient(args.url, token=args.token)
    tasks = client.tasks()
    print("tasks:", ", ".join(t["id"] for t in tasks))
    task = args.task or tasks[0]["id"]
    with client.make(task, policy_version=args.policy_version) as env:
        observation, info = env.reset(seed=args.seed, episode_id=args.episode_id)
        print(f"task {task}, episode {info['episode_id']}, seed {info.get('seed')}")
        print(shorten(observation))
        done, step_info = False, {}
        commands = list(args.command or ["ls", "validate", "submit"])
        while commands or not done:
            action = commands.pop(0) if commands else "submit"
            observation, reward, terminated, truncated, step_info = env.step(action)
            print(f"\n$ {action}\n{shorten(observation)}")
            print(f"(reward {reward}, terminated {terminated}, truncated {truncated})")
            done = terminated or truncated
            if done:
                break
        state = env.state()
    scores = step_info.get("scores") or []
    print(f"\nepisode {state['episode_id']}: {state['step_count']} steps, exit status {step_info.get('exitStatus')}")
    print(f"score: {scores[-1] if scores else None}")
    return 0 if done else 1


def play_trl(args: argparse.Namespace) -> int:
    # What GRPOTrainer does with environment_factory: make an instance with no arguments, offer its public
    # methods (except reset and get_reward) as tools, reset it with the dataset row, call tools, read the reward.
    factory = tool_env_factory(args.url, args.task, token=args.token, direction=args.direction)
    env = factory()
    tools = [n for n, _ in inspect.getmembers(env, inspect.ismethod)
             if n not in ("reset", "get_reward") and not n.startswith("_")]
    print("tools:", ", ".join(tools))
    try:
        prompt = env.reset(seed=args.seed, episode_id=args.episode_id, policy_version=args.policy_version,
                           prompt=[{"role": "user", "content": "Solve the task."}])
        print(f"episode {env.episode_id}")
        print(shorten(prompt.strip()))
        for command in args.command or ["ls", "validate", "submit"]:
            name, call = (command, getattr(env, command)) if command in ("validate", "submit") else ("bash", None)
            try:
                result = call() if call else env.bash(command)
            except MLGymError as e:  # TRL feeds a tool's exception back to the model as the tool's answer
                result = f"error: {e}"
            print(f"\n{name}({'' if call else repr(command)})\n{shorten(result)}")
            if env.done:
                break
        if not env.done:
            print(f"\nsubmit()\n{shorten(env.submit())}")
        print(f"\nreward: {env.get_reward()}")
        print(f"best score: {env.best_score}")
        return 0 if env.done else 1
    finally:
        env._close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("MLGYM_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--task", default=os.environ.get("MLGYM_TASK"), help="task id (default: the first listed)")
    parser.add_argument("--token", default=None, help="bearer token (default: $MLGYM_SERVE_TOKEN)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--episode-id", default=None)
    parser.add_argument("--policy-version", default=None, help="recorded in the trajectory")
    parser.add_argument("--command", action="append", help="one action (repeatable)")
    parser.add_argument("--trl", action="store_true", help="play through MLGymToolEnv, the TRL-shaped adapter")
    parser.add_argument("--direction", default="maximize", help="the priority metric's direction (--trl)")
    args = parser.parse_args()
    if args.trl and not args.task:
        parser.error("--trl needs --task (or $MLGYM_TASK)")
    try:
        return play_trl(args) if args.trl else play(args)
    except MLGymError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
