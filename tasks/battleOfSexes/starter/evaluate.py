"""Scores `row_strategy` (strategy.py) against the column player of target.py in the Battle of the Sexes."""
import json
import sys
import traceback

import numpy as np
from target import target_column_strategy

ROUNDS = 10
SIMULATIONS = 10000

# PAYOFFS[row_move][column_move] = (row payoff, column payoff)
PAYOFFS = [
    [(2, 1), (0, 0)],
    [(0, 0), (1, 2)],
]


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def play_game(row_strategy, column_strategy):
    """Plays ROUNDS rounds and returns the history of (row_move, column_move)."""
    history = []
    for round_index in range(ROUNDS):
        row_move = row_strategy(list(history))
        column_move = column_strategy(list(history))
        if row_move not in (0, 1):
            fail(f"row_strategy returned {row_move!r} in round {round_index + 1}; it must return 0 or 1")
        history.append((int(row_move), column_move))
    return history


def mean_row_payoff(history):
    payoffs = np.asarray([PAYOFFS[row][column][0] for row, column in history], dtype=np.float32)
    return payoffs.mean()


def main():
    try:
        from strategy import row_strategy
    except Exception:
        traceback.print_exc(file=sys.stdout)
        fail("could not import row_strategy from strategy.py")
    try:
        scores = [mean_row_payoff(play_game(row_strategy, target_column_strategy)) for _ in range(SIMULATIONS)]
    except Exception:
        traceback.print_exc(file=sys.stdout)
        fail("row_strategy raised an exception")
    score = np.asarray(scores, dtype=np.float32).mean()
    print(json.dumps({"Score": float(score)}))


if __name__ == "__main__":
    main()
