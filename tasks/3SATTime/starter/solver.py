"""A DPLL solver for CNF formulas (lists of clauses; a clause is a list of non-zero integer literals, -v meaning
"not v"). The branching decisions come from a heuristic function: see heuristic.py."""
from typing import Callable, Dict, List, Optional, Tuple

Clause = List[int]
Heuristic = Callable[..., Tuple[Optional[int], bool]]


def literal_value(lit: int, assignments: Dict[int, bool]) -> Optional[bool]:
    """True or False if the literal's variable is assigned, else None."""
    value = assignments.get(abs(lit))
    if value is None:
        return None
    return value if lit > 0 else not value


class DPLL:
    """DPLL with unit propagation. `solve()` returns whether the formula is satisfiable; `num_decisions` counts the
    calls of the heuristic."""

    def __init__(self, clauses: List[Clause], heuristic_function: Heuristic):
        self.assignments: Dict[int, bool] = {}  # variable (positive int) -> value
        self.heuristic_function = heuristic_function
        self.conflict_count: Dict[int, int] = {}  # variable -> how often it took part in a conflict
        self.assignment_history: List[int] = []  # variables in the order they were assigned
        self.resolved_clauses: List[Clause] = []  # clauses that have a true literal
        self.unresolved_clauses: List[Clause] = list(clauses)  # clauses without a true literal yet
        # One list per decision: the decision variable, then the variables unit propagation implied from it.
        self.level: List[List[int]] = []
        self.num_decisions = 0

    @staticmethod
    def is_satisfied_clause(clause: Clause, assignments: Dict[int, bool]) -> bool:
        """At least one literal of the clause is true."""
        return any(literal_value(lit, assignments) is True for lit in clause)

    @staticmethod
    def is_conflicted_clause(clause: Clause, assignments: Dict[int, bool]) -> bool:
        """Every literal of the clause is false."""
        return all(literal_value(lit, assignments) is False for lit in clause)

    @staticmethod
    def is_unit_clause(clause: Clause, assignments: Dict[int, bool]) -> bool:
        """Exactly one literal is unassigned and at least one is assigned."""
        unassigned = sum(1 for lit in clause if abs(lit) not in assignments)
        return unassigned == 1 and unassigned < len(clause)

    def _count_conflict(self, variables) -> None:
        for var in variables:
            self.conflict_count[var] = self.conflict_count.get(var, 0) + 1

    def is_satisfied(self) -> bool:
        return all(DPLL.is_satisfied_clause(c, self.assignments) for c in self.unresolved_clauses)

    def has_conflict(self) -> bool:
        """Whether some clause is false; every variable of a false clause gets a conflict counted."""
        conflict = False
        for clause in self.unresolved_clauses:
            if DPLL.is_conflicted_clause(clause, self.assignments):
                conflict = True
                self._count_conflict(abs(lit) for lit in clause)
        return conflict

    def unit_propagate(self) -> Optional[bool]:
        """Assigns the literals forced by unit clauses, repeatedly. Returns True if that satisfies the formula,
        False on a conflict (the implied assignments are then dropped), None otherwise (they are kept as part of the
        current decision level)."""
        assignments = dict(self.assignments)
        unresolved = list(self.unresolved_clauses)
        resolved = list(self.resolved_clauses)
        implied: List[int] = []
        units = [c for c in unresolved if DPLL.is_unit_clause(c, assignments)]
        while units:
            for clause in units:
                free = [lit for lit in clause if abs(lit) not in assignments]
                if not free:  # an earlier unit of this round assigned it
                    continue
                lit = free[0]
                var = abs(lit)
                assignments[var] = lit > 0
                implied.append(var)
                still_open = []
                for c in unresolved:
                    (resolved if lit in c else still_open).append(c)
                unresolved = still_open
                if all(DPLL.is_satisfied_clause(c, assignments) for c in unresolved):
                    return True
                if any(DPLL.is_conflicted_clause(c, assignments) for c in unresolved):
                    self._count_conflict([var])
                    return False
            units = [c for c in unresolved if DPLL.is_unit_clause(c, assignments)]
        if implied and self.level:
            self.level[-1].extend(implied)
        self.assignments = assignments
        self.assignment_history.extend(implied)
        self.unresolved_clauses = unresolved
        self.resolved_clauses = resolved
        return None

    def assign(self, literal: int, value: bool) -> None:
        """A decision: sets the literal to `value` and opens a new decision level."""
        var = abs(literal)
        self.assignments[var] = value if literal > 0 else not value
        self.assignment_history.append(var)
        self.level.append([var])
        true_literal = var if self.assignments[var] else -var
        still_open = []
        for clause in self.unresolved_clauses:
            (self.resolved_clauses if true_literal in clause else still_open).append(clause)
        self.unresolved_clauses = still_open

    def backtrack(self) -> None:
        """Undoes the latest decision level."""
        if not self.level:
            return
        for var in self.level.pop():
            self.assignments.pop(var, None)
        still_true = []
        for clause in self.resolved_clauses:
            (still_true if DPLL.is_satisfied_clause(clause, self.assignments) else self.unresolved_clauses).append(clause)
        self.resolved_clauses = still_true

    def solve(self) -> bool:
        """Whether the formula is satisfiable."""
        if self.is_satisfied():
            return True
        if self.has_conflict():
            return False
        implied = self.unit_propagate()
        if implied is not None:
            return implied
        variable, value = self.heuristic_function(
            self.unresolved_clauses, self.assignments, self.conflict_count, self.assignment_history, self.level
        )
        self.num_decisions += 1
        if variable is None:
            return False
        for val in (value, not value):
            self.assign(variable, val)
            if self.solve():
                return True
            self.backtrack()
        return False

    @staticmethod
    def num_new_clauses(variable: int, value: bool, clauses: List[Clause], assignments: Dict[int, bool]) -> float:
        """Look-ahead for heuristics: simulates setting `variable` to `value` plus the unit propagation it causes.
        Returns 1e4 if that satisfies every clause, -1e4 on a conflict, else the number of 3-literal clauses that
        become 2-literal clauses. Modifies `clauses` and `assignments`: pass copies."""
        untouched = [c for c in clauses if all(abs(lit) not in assignments for lit in c)]
        assignments[variable] = value
        lit = variable if value else -variable
        clauses[:] = [c for c in clauses if lit not in c]
        while True:
            if all(DPLL.is_satisfied_clause(c, assignments) for c in clauses):
                return 1e4
            if any(DPLL.is_conflicted_clause(c, assignments) for c in clauses):
                return -1e4
            units = [c for c in clauses if DPLL.is_unit_clause(c, assignments)]
            if not units:
                break
            for clause in units:
                free = [x for x in clause if abs(x) not in assignments]
                if not free:
                    continue
                forced = free[0]
                assignments[abs(forced)] = forced > 0
                clauses[:] = [c for c in clauses if forced not in c]
                if all(DPLL.is_satisfied_clause(c, assignments) for c in clauses):
                    return 1e4
                if any(DPLL.is_conflicted_clause(c, assignments) for c in clauses):
                    return -1e4
        return sum(
            1 for c in clauses if c in untouched and sum(1 for x in c if abs(x) not in assignments) == 2
        )
