"""Scores `row_strategy` (strategy.py) against the column player of target.py in the iterated Prisoner's Dilemma (0 cooperates, 1 defects)."""
import json
import sys

import numpy as np
from mlgym_eval import AgentCodeError, agent_games
from target import target_column_strategy

ROUNDS = 10
SIMULATIONS = 10000

# PAYOFFS[row_move][column_move] = (row payoff, column payoff)
PAYOFFS = [
    [(3, 3), (0, 5)],
    [(5, 0), (1, 1)],
]


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def play_games(games):
    """Plays SIMULATIONS games of ROUNDS rounds at once; the agent's strategy runs in its own process."""
    histories = [[] for _ in range(SIMULATIONS)]
    last_round = None
    for round_index in range(ROUNDS):
        games.send_round(last_round)
        # Both players see the same history: the partner's moves are computed while the agent's process works.
        column_moves = [target_column_strategy(list(history)) for history in histories]
        last_round = []
        for history, row_move, column_move in zip(histories, games.receive_moves(), column_moves):
            if row_move not in (0, 1):
                fail(f"row_strategy returned {row_move!r} in round {round_index + 1}; it must return 0 or 1")
            history.append((int(row_move), column_move))
            last_round.append(history[-1])
    return histories


def mean_row_payoff(history):
    payoffs = np.asarray([PAYOFFS[row][column][0] for row, column in history], dtype=np.float32)
    return payoffs.mean()


def main():
    try:
        games = agent_games("strategy", "row_strategy", SIMULATIONS)
    except AgentCodeError as error:
        fail(str(error))
    try:
        histories = play_games(games)
    except AgentCodeError as error:
        fail(str(error))
    scores = [mean_row_payoff(history) for history in histories]
    score = np.asarray(scores, dtype=np.float32).mean()
    print(json.dumps({"Score": float(score)}))


if __name__ == "__main__":
    main()
