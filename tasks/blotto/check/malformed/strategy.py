# A malformed submission for `mlgym tasks check`: 150 soldiers, over the budget of 120.
def row_strategy(history):
    return [50, 50, 50, 0, 0, 0]
