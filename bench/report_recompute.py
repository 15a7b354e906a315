"""Plain-Python recomputation of `mlgym report`'s score tables, the yardstick of bench/report.bench.ts.

Reads every `<model>__<task>__...` folder's results.json under a runs folder and computes what the report's CSV
tables hold: best/last attempt scores per model and task (best over runs), the performance profiles on a fixed
tau range [0, tau_max] (500 points) and their areas (AUP). Only the standard library: the plainest, leanest way
to get the same numbers. Prints `model best_aup last_aup` lines so the benchmark can compare the numbers.

usage: python report_recompute.py <runs-dir> <tau-max>
"""

import json
import math
import os
import sys

# The 13 tasks of MLGym-Bench v0 with the metric that ranks them (the report's catalogue).
TASKS = {
    "regressionKaggleHousePrice": ("r2", True),
    "3SATTime": ("Time", False),
    "imageClassificationCifar10": ("accuracy", True),
    "imageClassificationFMnist": ("accuracy", True),
    "imageCaptioningCOCO": ("BLEU Score", True),
    "languageModelingFineWeb": ("val_loss", False),
    "naturalLanguageInferenceMNLI": ("validation_accuracy", True),
    "battleOfSexes": ("Score", True),
    "prisonersDilemma": ("Score", True),
    "blotto": ("Score", True),
    "rlBreakoutMinAtar": ("Reward Mean", True),
    "rlMetaMazeMisc": ("Reward Mean", True),
    "rlMountainCarContinuous": ("Reward Mean", True),
}
EPSILON = 0.05
POINTS = 500


def usable(entry, metric):
    value = entry.get(metric) if isinstance(entry, dict) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def better(a, b, maximize):
    return a > b if maximize else a < b


def run_scores(agent, metric, maximize):
    best = None
    for entry in agent:
        value = usable(entry, metric)
        if value is not None and (best is None or better(value, best, maximize)):
            best = value
    if best is None:
        return None, None
    return best, usable(agent[-1], metric)


def main():
    root, tau_max = sys.argv[1], float(sys.argv[2])
    best = {}  # (task, model) -> best score over runs
    last = {}
    baseline = {}
    models = set()
    for name in sorted(os.listdir(root)):
        parts = name.split("__")
        if len(parts) < 2:
            continue
        model = parts[0].removeprefix("metagen-")
        task = parts[1]
        if task not in TASKS:
            continue
        metric, maximize = TASKS[task]
        models.add(model)
        try:
            with open(os.path.join(root, name, "results.json")) as f:
                results = json.load(f)
        except (OSError, ValueError):
            continue
        if task not in baseline and isinstance(results.get("baseline"), dict):
            value = usable(results["baseline"], metric)
            if value is not None:
                baseline[task] = value
        agent = results.get("agent")
        if not isinstance(agent, list) or not agent:
            continue
        b, l = run_scores(agent, metric, maximize)
        for table, value in ((best, b), (last, l)):
            key = (task, model)
            if value is not None and (key not in table or better(value, table[key], maximize)):
                table[key] = value
    models = sorted(models)
    tasks = [t for t in TASKS if t in baseline or any((t, m) in best for m in models)]
    step = tau_max / (POINTS - 1)
    taus = [i * step for i in range(POINTS)]
    taus[-1] = tau_max
    aups = {}
    for kind, table in (("best", best), ("last", last)):
        logs = {m: [] for m in ["baseline", *models]}
        for task in tasks:
            _, maximize = TASKS[task]
            base = baseline.get(task, math.nan)
            scores = {"baseline": base, **{m: table.get((task, m), math.nan) for m in models}}

            def feasible(s):
                return not math.isnan(s) and s >= 0 and (s >= base if maximize else s <= base)

            ok = [s for s in scores.values() if feasible(s)]
            if not ok:
                for m in logs:
                    logs[m].append(math.inf)
                continue
            top = max(ok) if maximize else min(ok)
            worst = min(ok) if maximize else max(ok)

            def ratio(s):
                if s == top:
                    return 1.0
                r = (top / s if maximize else s / top) if s != 0 and top != 0 else math.inf
                return r if r >= 1 else math.inf

            penalty = ratio(worst) * (1 + EPSILON)
            for m, s in scores.items():
                r = ratio(s) if feasible(s) else penalty
                logs[m].append(math.log10(r) if r != math.inf else math.inf)
        for m, values in logs.items():
            values.sort()
            covered, area = 0, 0.0
            for i in range(POINTS - 1):
                while covered < len(values) and values[covered] <= taus[i]:
                    covered += 1
                area += (taus[i + 1] - taus[i]) * covered / max(len(tasks), 1)
            aups.setdefault(m, {})[kind] = area
    for m in [*models, "baseline"]:
        print(m, repr(aups[m]["best"]), repr(aups[m]["last"]))


main()
