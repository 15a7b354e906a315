# A malformed submission for `mlgym tasks check`: giving up at once makes the solver call everything unsatisfiable.
def heuristic_fn(clauses, assignments, conflict_count, assignment_history, level):
    return None, True
