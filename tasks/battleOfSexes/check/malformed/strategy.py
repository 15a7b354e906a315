# A malformed submission for `mlgym tasks check`: 2 is not a move.
def row_strategy(history):
    return 2
