"""Generates the task's 3-SAT instances into data/dataset.pkl: random 3-SAT near the satisfiability threshold, from
a fixed seed with a self-contained generator (the same bytes on every machine and Python version). Offline and
idempotent: an existing file with the expected content is kept."""
import hashlib
import json
import os
import pickle
import sys

SEED = 20241121
VARIABLE_COUNTS = (10, 15, 20, 25, 30)
INSTANCES_PER_COUNT = 80
CLAUSE_RATIOS = (3.8, 4.0, 4.26, 4.5, 4.8)
# sha256 of the canonical JSON of the generated formulas: guards against accidental changes of the generator.
EXPECTED_SHA256 = "57e5f6e8099637062c26b0d2b3ed8e9e69de75187d56450c36faab7b36b8fa89"
TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "dataset.pkl")


class SplitMix64:
    """A tiny, fully specified PRNG (Steele et al.), so the instances never depend on library versions."""

    MASK = (1 << 64) - 1

    def __init__(self, seed):
        self.state = seed & self.MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)

    def below(self, n):
        """Uniform integer in [0, n) by rejection sampling."""
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            x = self.next()
            if x < limit:
                return x % n


def generate():
    rng = SplitMix64(SEED)
    instances = []
    for num_vars in VARIABLE_COUNTS:
        for i in range(INSTANCES_PER_COUNT):
            num_clauses = round(num_vars * CLAUSE_RATIOS[i % len(CLAUSE_RATIOS)])
            formula = []
            for _ in range(num_clauses):
                variables = []
                while len(variables) < 3:
                    v = 1 + rng.below(num_vars)
                    if v not in variables:
                        variables.append(v)
                formula.append([v if rng.below(2) else -v for v in variables])
            # (index, variables, clauses, formula, is_sat, solution): the labels are left out on purpose, the
            # evaluation computes them itself.
            instances.append((len(instances), num_vars, num_clauses, formula, None, None))
    return instances


def digest(instances):
    canonical = json.dumps([[i[0], i[1], i[2], i[3]] for i in instances], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def main():
    if os.path.exists(TARGET):
        try:
            with open(TARGET, "rb") as f:
                if digest(pickle.load(f)) == EXPECTED_SHA256:
                    return
        except Exception:
            pass  # unreadable: generate it again
    instances = generate()
    found = digest(instances)
    if found != EXPECTED_SHA256:
        sys.exit(f"3-SAT generator drifted: sha256 {found}, expected {EXPECTED_SHA256}")
    os.makedirs(os.path.dirname(TARGET), exist_ok=True)
    tmp = f"{TARGET}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        pickle.dump(instances, f, protocol=4)
    os.replace(tmp, TARGET)
    print(f"wrote {len(instances)} instances to {TARGET}")


if __name__ == "__main__":
    main()
