"""Scores `row_strategy` (strategy.py) against the opponent of target.py in Colonel Blotto."""
import json
import numbers
import sys

import numpy as np
from mlgym_eval import AgentCodeError, agent_games
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


def play_games(games):
    """Plays SIMULATIONS games of ROUNDS rounds at once; the agent's strategy runs in its own process."""
    histories = [[] for _ in range(SIMULATIONS)]
    last_round = None
    for round_index in range(ROUNDS):
        games.send_round(last_round)
        # Both players see the same history: the opponent's allocations are computed while the agent's process works.
        columns = [target_column_strategy(list(history)) for history in histories]
        last_round = []
        for history, allocation, column in zip(histories, games.receive_moves(), columns):
            row = check_allocation(allocation, round_index)
            history.append((row, column))
            last_round.append(history[-1])
    return histories


def main():
    try:
        games = agent_games("strategy", "row_strategy", SIMULATIONS)
        histories = play_games(games)
    except AgentCodeError as error:
        fail(str(error))
    scores = [
        np.asarray([row_payoff(row, column) for row, column in history], dtype=np.float32).mean()
        for history in histories
    ]
    score = np.asarray(scores, dtype=np.float32).mean()
    print(json.dumps({"Score": float(score)}))


if __name__ == "__main__":
    main()
