import random

TOTAL_SOLDIERS = 120
NUM_BATTLEFIELDS = 6


def target_column_strategy(history):
    """
    The opponent your strategy is evaluated against: a uniformly random allocation rescaled to the full budget.

    Parameters:
    history (list of tuple): one (row_allocation, column_allocation) tuple per round played so far.
    Returns:
    list of int: NUM_BATTLEFIELDS non-negative integers summing to TOTAL_SOLDIERS.
    """
    weights = [random.randint(0, TOTAL_SOLDIERS) for _ in range(NUM_BATTLEFIELDS)]
    total = sum(weights)
    allocation = [int(w * TOTAL_SOLDIERS / total) for w in weights]
    while sum(allocation) != TOTAL_SOLDIERS:
        allocation[random.randint(0, NUM_BATTLEFIELDS - 1)] += TOTAL_SOLDIERS - sum(allocation)
    return allocation
