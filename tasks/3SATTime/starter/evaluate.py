"""Times the DPLL solver (solver.py) with the heuristic of heuristic.py on the instances of data/dataset.pkl.

Every answer is checked against an independent reference solver; one wrong answer fails the evaluation.
Prints {"Time": seconds, "Correct": n, "Incorrect": 0, "Decisions": heuristic calls}."""
import json
import pickle
import sys
import time
from collections import Counter

from mlgym_eval import AgentCodeError, agent_function
from solver import DPLL

DATASET = "data/dataset.pkl"


def _simplify(clauses, lit):
    """The clauses after setting `lit` true, or None if that empties a clause."""
    out = []
    for clause in clauses:
        if lit in clause:
            continue
        if -lit in clause:
            clause = tuple(x for x in clause if x != -lit)
            if not clause:
                return None
        out.append(clause)
    return out


def reference_satisfiable(formula):
    """Satisfiability by a plain DPLL (unit propagation, most frequent variable first) that shares no code with
    solver.py or heuristic.py."""

    def search(clauses):
        while True:
            unit = next((c[0] for c in clauses if len(c) == 1), None)
            if unit is None:
                break
            clauses = _simplify(clauses, unit)
            if clauses is None:
                return False
        if not clauses:
            return True
        counts = Counter(abs(lit) for clause in clauses for lit in clause)
        var = max(counts, key=counts.get)
        for lit in (var, -var):
            rest = _simplify(clauses, lit)
            if rest is not None and search(rest):
                return True
        return False

    return search([tuple(clause) for clause in formula])


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def checked(heuristic):
    """The agent's heuristic (run in its own process) with its answers checked before the solver uses them."""

    def call(clauses, assignments, conflict_count, assignment_history, level):
        answer = heuristic(clauses, assignments, conflict_count, assignment_history, level)
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            fail(f"heuristic_fn returned {answer!r}; it must return a tuple (variable, value)")
        variable, value = answer
        if variable is not None and (
            isinstance(variable, bool) or not isinstance(variable, int) or variable < 1 or variable in assignments
        ):
            fail(f"heuristic_fn returned variable {variable!r}; it must be an unassigned variable (a positive int)")
        if not isinstance(value, (bool, int)):
            fail(f"heuristic_fn returned value {value!r}; it must be a boolean")
        return variable, bool(value)

    return call


def main():
    with open(DATASET, "rb") as f:
        instances = pickle.load(f)
    expected = [reference_satisfiable(formula) for _, _, _, formula, _, _ in instances]
    try:
        heuristic_fn = checked(agent_function("heuristic", "heuristic_fn"))
    except AgentCodeError as error:
        fail(str(error))
    # Time is measured here, in the evaluation's own process: the agent's code cannot reach this clock.
    clock = time.perf_counter
    correct = 0
    decisions = 0
    start = clock()
    for (idx, num_vars, num_clauses, formula, _, _), is_sat in zip(instances, expected):
        solver = DPLL([list(clause) for clause in formula], heuristic_fn)
        try:
            answer = solver.solve()
        except AgentCodeError as error:
            fail(f"{error} (instance {idx})")
        if bool(answer) != is_sat:
            fail(
                f"wrong answer on instance {idx} ({num_vars} variables, {num_clauses} clauses): the solver said "
                f"{'satisfiable' if answer else 'unsatisfiable'}, but it is {'satisfiable' if is_sat else 'unsatisfiable'}"
            )
        correct += 1
        decisions += solver.num_decisions
    elapsed = round(clock() - start, 3)
    print(json.dumps({"Time": elapsed, "Correct": correct, "Incorrect": 0, "Decisions": decisions}))


if __name__ == "__main__":
    main()
