"""Evaluates the 5 checkpoints of a config on Breakout-MinAtar: Reward Mean and Reward Std of the return
over checkpoints x seeds x parallel environments, each run for a fixed number of frames (actions sampled from the
policy). Usage: python evaluate.py --config_fname <config.yaml> (the checkpoints are checkpoints/<config stem>*.pkl).

Your network code (src/networks.py, src/helpers.py) runs in a process of its own and only maps observations to the
action distribution; this script steps the environments, samples the actions and adds up the rewards."""
import os
import sys

# The evaluation's folder also holds copies of the workspace's files: nothing is imported from there.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != os.getcwd()]

import argparse  # noqa: E402
import json  # noqa: E402

import jax  # noqa: E402
from mlgym_eval import AgentCodeError, agent_function  # noqa: E402
from mlgym_gymnax.evaluation import EvaluationFailed, checkpoint_files, evaluate_policy  # noqa: E402

ENV_NAME = "Breakout-MinAtar"
MAX_FRAMES = 999
NUM_CHECKPOINTS = 5
NUM_SEEDS = 5
# The original ran 256 environments per seed on a GPU; on a CPU the evaluation runs 16.
NUM_ENVS = 16 if jax.default_backend() == "cpu" else 256


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-config_fname", "--config_fname", type=str, default="./src/config.yaml", help="Path to configuration yaml.")
    args, _ = parser.parse_known_args()
    try:
        files = checkpoint_files(args.config_fname, NUM_CHECKPOINTS)
        # The agent's src/networks.py and src/helpers.py load the checkpoints in a process of their own; per frame
        # they get the observations and answer with action-distribution parameters.
        agent_function("mlgym_gymnax.agent_policy", "load")(args.config_fname, files)
        act = agent_function("mlgym_gymnax.agent_policy", "act")
        metrics = evaluate_policy(ENV_NAME, act, len(files), NUM_SEEDS, NUM_ENVS, MAX_FRAMES)
    except AgentCodeError as error:
        fail(f"the agent's network code failed: {error.summary}")
    except EvaluationFailed as error:
        fail(str(error))
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
