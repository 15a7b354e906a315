"""Scores `row_strategy` (strategy.py) against the opponent of target.py in Colonel Blotto."""
import json
import numbers
import sys
import traceback

import numpy as np
from target import target_column_strategy

ROUNDS = 10
SIMULATIONS = 10000
TOTAL_SOLDIERS = 120
NUM_BATTLEFIELDS = 6


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def check_allocation(allocation, round_index):
    where = f"row_strategy returned {allocation!r} in round {round_index + 1}"
    try:
        values = list(allocation)
    except TypeError:
        fail(f"{where}; it must return a list of {NUM_BATTLEFIELDS} integers")
    if len(values) != NUM_BATTLEFIELDS:
        fail(f"{where}; it must allocate soldiers to exactly {NUM_BATTLEFIELDS} battlefields")
    if not all(isinstance(x, numbers.Integral) and not isinstance(x, bool) and x >= 0 for x in values):
        fail(f"{where}; allocations must be non-negative integers")
    if sum(values) > TOTAL_SOLDIERS:
        fail(f"{where}; it uses {sum(values)} soldiers, more than the {TOTAL_SOLDIERS} available")
    return [int(x) for x in values]


def row_payoff(row, column):
    """+1 if the row player wins more battlefields, -1 if fewer, 0 on a tie (equal troops win nothing)."""
    row_wins = sum(1 for r, c in zip(row, column) if r > c)
    column_wins = sum(1 for r, c in zip(row, column) if r < c)
    return (row_wins > column_wins) - (row_wins < column_wins)


def play_game(row_strategy, column_strategy):
    history = []
    for round_index in range(ROUNDS):
        row = check_allocation(row_strategy(list(history)), round_index)
        column = column_strategy(list(history))
        history.append((row, column))
    return history


def main():
    try:
        from strategy import row_strategy
    except Exception:
        traceback.print_exc(file=sys.stdout)
        fail("could not import row_strategy from strategy.py")
    scores = []
    try:
        for _ in range(SIMULATIONS):
            history = play_game(row_strategy, target_column_strategy)
            payoffs = np.asarray([row_payoff(row, column) for row, column in history], dtype=np.float32)
            scores.append(payoffs.mean())
    except Exception:
        traceback.print_exc(file=sys.stdout)
        fail("row_strategy raised an exception")
    score = np.asarray(scores, dtype=np.float32).mean()
    print(json.dumps({"Score": float(score)}))


if __name__ == "__main__":
    main()
