"""Times the DPLL solver (solver.py) with the heuristic of heuristic.py on the instances of data/dataset.pkl.

Every answer is checked against an independent reference solver; one wrong answer fails the evaluation.
Prints {"Time": seconds, "Correct": n, "Incorrect": 0, "Decisions": heuristic calls}."""
import json
import pickle
import sys
import time
import traceback
from collections import Counter

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


def main():
    with open(DATASET, "rb") as f:
        instances = pickle.load(f)
    expected = [reference_satisfiable(formula) for _, _, _, formula, _, _ in instances]
    try:
        from heuristic import heuristic_fn
        from solver import DPLL
    except Exception:
        traceback.print_exc(file=sys.stdout)
        fail("could not import heuristic_fn from heuristic.py")
    clock = time.perf_counter
    correct = 0
    decisions = 0
    start = clock()
    for (idx, num_vars, num_clauses, formula, _, _), is_sat in zip(instances, expected):
        solver = DPLL([list(clause) for clause in formula], heuristic_fn)
        try:
            answer = solver.solve()
        except Exception:
            traceback.print_exc(file=sys.stdout)
            fail(f"the solver raised an exception on instance {idx}")
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
