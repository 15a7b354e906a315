import random


def heuristic_fn(clauses, assignments, conflict_count, assignment_history, level):
    # Example heuristic: a random unassigned variable, always set to True.

    # KEEP THIS SEED AS IT IS: results must be reproducible. A heuristic that changes it gets a score of zero.
    random.seed(10)

    unassigned_vars = list(set(abs(lit) for clause in clauses for lit in clause if abs(lit) not in assignments))
    if not unassigned_vars:
        return None, True
    variable = random.choice(unassigned_vars)
    value = True
    return variable, value
