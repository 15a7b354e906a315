"""The column player your strategy is evaluated against: each round it follows one of several classic strategies,
drawn uniformly at random for that round. In every function, history holds (row_move, column_move) tuples and
history[-1][0] is your (the row player's) last move. 0 cooperates, 1 defects."""
import random


def noisy_mixed(history):
    if not history:
        return 1
    draw = random.random()
    if draw < 0.3333:  # cooperate
        return 0
    if draw < 0.5:  # defect
        return 1
    if draw < 0.9:  # repeat its own last move
        return history[-1][1]
    return 1 - history[-1][0]  # the opposite of your last move


def tit_for_tat(history):
    return history[-1][0] if history else 0


def always_cooperate(history):
    return 0


def always_defect(history):
    return 1


def coin_flip(history):
    return random.choice([0, 1])


def grim_trigger(history):
    # Cooperates until you defect once, then defects for good.
    return 1 if any(row_move == 1 for row_move, _ in history) else 0


def win_stay_lose_shift(history):
    # Pavlov: cooperates when both players made the same move last round.
    if not history:
        return 0
    return 0 if history[-1][0] == history[-1][1] else 1


def tit_for_two_tats(history):
    # Defects only after two defections of yours in a row.
    if len(history) >= 2 and history[-1][0] == 1 and history[-2][0] == 1:
        return 1
    return 0


def suspicious_tit_for_tat(history):
    return history[-1][0] if history else 1


def half_cooperative(history):
    return 0 if random.random() < 0.5 else 1


def forgiving_tit_for_tat(history):
    # Copies your last move, but forgives two defections in a row.
    if not history:
        return 0
    if len(history) >= 2 and history[-1][0] == 1 and history[-2][0] == 1:
        return 0
    return history[-1][0]


STRATEGIES = [
    noisy_mixed,
    tit_for_tat,
    always_cooperate,
    always_defect,
    coin_flip,
    grim_trigger,
    win_stay_lose_shift,
    tit_for_two_tats,
    suspicious_tit_for_tat,
    half_cooperative,
    forgiving_tit_for_tat,
]


def target_column_strategy(history):
    return random.choice(STRATEGIES)(history)
