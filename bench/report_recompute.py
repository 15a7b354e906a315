"""Recomputations of `mlgym report`'s score tables in Python, the yardsticks of bench/report.bench.ts.

Two ways, both run side by side with `mlgym report --format csv` by the benchmark:

* the original's way (default): what MLGym's analysis scripts do (`scripts/evaluation/get_ranks.py` with the
  loading of `mlgym/evaluation/utils.py::process_trajectories`): for every task and model, glob the run folders
  `*<model>__<task>__*`, load each run's results.json (and its `.traj`, for the exit status, when present) into
  per-model lists, then compute with numpy the per-run best and last attempts, the best over runs, the ranks, the
  performance ratios, profiles on `numpy.linspace(0, tau_max, 500)` and their areas (AUP), and count exit statuses.
  It writes the CSV tables `mlgym report --format csv` writes (aup_scores, best/last_scores, best/last_ranks; rounding
  as the original: numpy's for models, Python's for the baseline) plus exit_statuses.csv, to --out.
* `--minimal`: the leanest plain-Python computation of the AUPs (standard library only, one folder listing, each
  results.json read and dropped at once). Prints `model best_aup last_aup` lines.

usage: python report_recompute.py <runs-dir> --out <dir> [--tau-max 1.5]
       python report_recompute.py --minimal <runs-dir> <tau-max>
"""

import glob
import json
import math
import os
import sys

# The original's model order (`MODELS`); other models found in the runs folder follow alphabetically.
MODELS = [
    "gpt4o2",
    "gpt-o3-mini",
    "gpt-o1",
    "deepseek-r1",
    "llama3-405b-tools",
    "llama4-17b-16",
    "llama4-17b-128",
    "claude-35-sonnet-new",
    "claude-37-sonnet",
    "gemini-15-pro",
    "gemini-20-flash-thinking",
    "gemini-25-pro",
]
# The 13 tasks of MLGym-Bench v0 in table order: display name, priority metric, higher is better.
TASKS = {
    "regressionKaggleHousePrice": ("House Price", "r2", True),
    "3SATTime": ("3-SAT", "Time", False),
    "imageClassificationCifar10": ("CIFAR-10", "accuracy", True),
    "imageClassificationFMnist": ("Fashion MNIST", "accuracy", True),
    "imageCaptioningCOCO": ("MS-COCO", "BLEU Score", True),
    "languageModelingFineWeb": ("Language Modeling", "val_loss", False),
    "naturalLanguageInferenceMNLI": ("MNLI", "validation_accuracy", True),
    "battleOfSexes": ("Battle of Sexes", "Score", True),
    "prisonersDilemma": ("Prisoners Dilemma", "Score", True),
    "blotto": ("Blotto", "Score", True),
    "rlBreakoutMinAtar": ("Breakout", "Reward Mean", True),
    "rlMetaMazeMisc": ("Meta Maze", "Reward Mean", True),
    "rlMountainCarContinuous": ("Mountain Car Continuous", "Reward Mean", True),
}
# The original's exit-status categories that count as a complete run.
COMPLETE = {"Success", "Max Steps"}
EXIT_CATEGORIES = {
    "submitted": ["Success"],
    "autosubmission (max_steps)": ["Max Steps"],
    "autosubmission (exit_context)": ["Context"],
    "autosubmission (exit_cost)": ["Cost"],
    "autosubmission (exit_format)": ["Format"],
    "autosubmission (exit_api)": ["API"],
    "early_exit": ["Runtime"],
}


# ---------------------------------------------------------------------------------------------------------------
# The original's way.


def model_of(folder):
    return folder.split("__")[0].removeprefix("metagen-")


def exit_categories(traj):
    """Exit-status categories of a trajectory as the original's analysis maps them (unmapped: the status)."""
    info = traj.get("info") or {}
    status = info.get("exit_status")
    if status is None:
        return ["unknown_error"]
    if status == "":
        steps = traj.get("trajectory") or [{}]
        status = f"unknown_error ({str(steps[-1].get('action', '')).strip()})"
    for prefix in ("submission_not_found", "evaluation_format_error"):
        if status.startswith(prefix):
            return ["Evaluation", status[len(prefix) :].strip(" ()").removeprefix("exit_").capitalize()]
    return EXIT_CATEGORIES.get(status, [status])


def process_trajectories(parent, task, models):
    """Per model: the run folders' results.json (None when unreadable) and exit-status categories, in glob order."""
    found = {}
    for model in models:
        entry = {"scores": [], "exit_statuses": []}
        for path in sorted(glob.glob(os.path.join(parent, f"*{model}__{task}__*"))):
            try:
                with open(os.path.join(path, "results.json")) as f:
                    entry["scores"].append(json.load(f))
            except (OSError, ValueError):
                entry["scores"].append(None)
            traj = os.path.join(path, f"{task}.traj")
            if os.path.exists(traj):
                try:
                    with open(traj) as f:
                        entry["exit_statuses"].append(exit_categories(json.load(f)))
                except (OSError, ValueError):
                    pass
        found[model] = entry
    return found


def best_attempt(agent, metric, maximize, np):
    """The run's best and last attempt (NaN, NaN when no entry has the metric): first occurrence wins ties."""
    values = np.array([e.get(metric, np.nan) if isinstance(e, dict) else np.nan for e in agent], dtype=float)
    values[~np.isfinite(values)] = np.nan
    if values.size == 0 or np.all(np.isnan(values)):
        return np.nan, np.nan
    best = values[np.nanargmax(values) if maximize else np.nanargmin(values)]
    return best, values[-1]


def rankings(methods, scores, maximize):
    """Stable sort of the scored methods (baseline first, then models), the unscored ones after, in input order."""
    scored = [(m, s) for m, s in zip(methods, scores) if not math.isnan(s)]
    scored.sort(key=lambda x: x[1], reverse=maximize)
    return [m for m, _ in scored] + [m for m, s in zip(methods, scores) if math.isnan(s)]


def performance_ratios(scores, baseline, maximize, np, epsilon=0.05):
    """The original's ratios: feasible = >= 0 and not worse than the baseline; the others get worst * (1 + eps)."""
    scores = np.asarray(scores, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        feasible = (scores >= 0) & ((scores >= baseline) if maximize else (scores <= baseline))
        feasible &= ~np.isnan(scores)
        if not feasible.any():
            return np.full(scores.shape, np.inf)
        ok = scores[feasible]
        best = ok.max() if maximize else ok.min()
        worst = ok.min() if maximize else ok.max()
        ratios = best / scores if maximize else scores / best
        worst_ratio = best / worst if maximize else worst / best
        return np.where(feasible, ratios, worst_ratio * (1 + epsilon))


def csv_cell(value, np):
    return "" if value is None or np.isnan(value) else repr(float(value))


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        for row in rows:
            f.write(",".join(f'"{c}"' if any(ch in c for ch in ',"\n') else c for c in row) + "\n")


def original(parent, out, tau_max):
    import numpy as np

    names = os.listdir(parent)
    present = {model_of(n) for n in names if len(n.split("__")) >= 3}
    models = [m for m in MODELS if m in present] + sorted(present - set(MODELS))
    methods = ["baseline", *models]
    tasks, best, last, exits = [], [], [], {m: {} for m in models}
    for task, (display, metric, maximize) in TASKS.items():
        runs = process_trajectories(parent, task, models)
        baseline = np.nan
        best_row, last_row = [], []
        for model in models:
            run_best, run_last = [], []
            for results in runs[model]["scores"]:
                if not isinstance(results, dict):
                    continue
                if np.isnan(baseline) and isinstance(results.get("baseline"), dict):
                    baseline = float(results["baseline"].get(metric, np.nan))
                b, l = best_attempt(results.get("agent") or [], metric, maximize, np)
                if not np.isnan(b):
                    run_best.append(b)
                    run_last.append(l)
            # The best over runs of the runs' best attempts, and independently of their last ones.
            pick = np.nanmax if maximize else np.nanmin
            best_row.append(pick(run_best) if run_best else np.nan)
            last_row.append(pick(run_last) if run_last and not np.isnan(run_last).all() else np.nan)
            for categories in runs[model]["exit_statuses"]:
                for c in categories:
                    exits[model][c] = exits[model].get(c, 0) + 1
        if np.isnan(baseline) and all(np.isnan(best_row)):
            continue
        tasks.append((display, maximize))
        best.append([baseline, *best_row])
        last.append([baseline, *last_row])
    os.makedirs(out, exist_ok=True)
    taus = np.linspace(0, tau_max, 500)
    aups = {}
    for kind, table in (("best", np.array(best)), ("last", np.array(last))):
        ratios = np.array([performance_ratios(row, row[0], mx, np) for row, (_, mx) in zip(table, tasks)])
        with np.errstate(divide="ignore"):
            logs = np.log10(ratios)  # tasks x methods
        profiles = (logs[None, :, :] <= taus[:, None, None]).mean(axis=1)  # taus x methods
        aups[kind] = np.round((np.diff(taus)[:, None] * profiles[:-1]).sum(axis=0), 3)
        rows = [["Task", *methods]]
        for (display, _), row in zip(tasks, table):
            base = "" if np.isnan(row[0]) else repr(round(float(row[0]), 3))
            rows.append([display, base, *(csv_cell(np.round(v, 3), np) for v in row[1:])])
        write_csv(os.path.join(out, f"{kind}_scores.csv"), rows)
        ranks = [rankings(methods, row, mx) for row, (_, mx) in zip(table, tasks)]
        positions = np.array([[r.index(m) for m in methods] for r in ranks])  # tasks x methods
        mean_rank = [methods[i] for i in np.argsort(positions.mean(axis=0), kind="stable")]
        borda = [methods[i] for i in np.argsort(-(len(methods) - positions).sum(axis=0), kind="stable")]
        rows = [["Rank", *(str(i + 1) for i in range(len(methods)))]]
        rows += [[display, *r] for (display, _), r in zip(tasks, ranks)]
        rows += [["Plackett-Luce", *mean_rank], ["BORDA", *borda]]
        write_csv(os.path.join(out, f"{kind}_ranks.csv"), rows)
    rows = [["Model", "Best AUP", "Last AUP"]]
    for m in [*models, "baseline"]:
        i = methods.index(m)
        rows.append([m, csv_cell(aups["best"][i], np), csv_cell(aups["last"][i], np)])
    write_csv(os.path.join(out, "aup_scores.csv"), rows)
    categories = sorted({c for counts in exits.values() for c in counts})
    rows = [["Model", *categories]] + [[m, *(str(exits[m].get(c, 0)) for c in categories)] for m in models]
    write_csv(os.path.join(out, "exit_statuses.csv"), rows)


# ---------------------------------------------------------------------------------------------------------------
# The minimal way.

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


def minimal(root, tau_max):
    """The stdlib-only yardstick: one listing, results.json streamed, per-task maxima kept."""
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
        _, metric, maximize = TASKS[task]
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
            _, _, maximize = TASKS[task]
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


def main():
    args = sys.argv[1:]
    if args and args[0] == "--minimal":
        minimal(args[1], float(args[2]))
        return
    root, out, tau_max = None, None, 1.5
    while args:
        arg = args.pop(0)
        if arg == "--out":
            out = args.pop(0)
        elif arg == "--tau-max":
            tau_max = float(args.pop(0))
        else:
            root = arg
    if root is None or out is None:
        sys.exit(__doc__)
    original(root, out, tau_max)


main()
