import random

TOTAL_SOLDIERS = 120
NUM_BATTLEFIELDS = 6


# NOTE: this is only an example. Replace its logic with your own strategy, but keep the function's name and signature.
def row_strategy(history):
    """
    Choose how to split your soldiers over the battlefields for the next round.

    Parameters:
    history (list of tuple): one (row_allocation, column_allocation) tuple per round played so far, oldest first.
                             The first element is your allocation, the second your opponent's.
    Returns:
    list of int: NUM_BATTLEFIELDS non-negative integers summing to at most TOTAL_SOLDIERS.
    """
    allocation = [0] * NUM_BATTLEFIELDS
    # Reinforce a few randomly chosen battlefields (a battlefield may be picked more than once).
    for _ in range(random.randint(1, NUM_BATTLEFIELDS)):
        allocation[random.randint(0, NUM_BATTLEFIELDS - 1)] += random.randint(10, 30)
    # Hand random shares of what is left to the battlefields that got nothing.
    left = TOTAL_SOLDIERS - sum(allocation)
    if left > 0:
        for i in [i for i in range(NUM_BATTLEFIELDS) if allocation[i] == 0]:
            allocation[i] = random.randint(0, left)
            left -= allocation[i]
    # Rescale to the full budget, then give the rounding remainder to a random battlefield.
    total = sum(allocation)
    allocation = [int(x * TOTAL_SOLDIERS / total) for x in allocation]
    while sum(allocation) != TOTAL_SOLDIERS:
        allocation[random.randint(0, NUM_BATTLEFIELDS - 1)] += TOTAL_SOLDIERS - sum(allocation)
    return allocation
