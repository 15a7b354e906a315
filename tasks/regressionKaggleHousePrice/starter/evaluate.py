"""Scores a house-price submission (Id,SalePrice) against the hidden answers: prints {"rmse": ..., "r2": ...}."""
import argparse
import json
import sys

import numpy as np
import pandas as pd
from sklearn.metrics import mean_squared_error, r2_score

ANSWERS = "data/answer.csv"


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def load_submission(path, answers):
    try:
        submission = pd.read_csv(path)
    except Exception as error:
        fail(f"cannot read {path} as CSV: {error}")
    missing = [c for c in ("Id", "SalePrice") if c not in submission.columns]
    if missing:
        fail(f"the submission needs the columns Id and SalePrice; missing: {', '.join(missing)}")
    if submission["Id"].duplicated().any():
        fail("the submission has duplicate Ids")
    wanted, given = set(answers["Id"]), set(submission["Id"])
    if wanted != given:
        fail(
            f"the submission must have one row per test Id ({len(wanted)} rows): "
            f"{len(wanted - given)} Ids are missing and {len(given - wanted)} are unknown"
        )
    prices = pd.to_numeric(submission["SalePrice"], errors="coerce")
    if prices.isna().any() or not np.isfinite(prices).all():
        fail("every SalePrice must be a finite number")
    return submission.assign(SalePrice=prices)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission_file", default="submission.csv")
    args = parser.parse_args()
    answers = pd.read_csv(ANSWERS)
    submission = load_submission(args.submission_file, answers)
    merged = answers.merge(submission, on="Id", suffixes=("_true", "_pred"))
    y_true, y_pred = merged["SalePrice_true"], merged["SalePrice_pred"]
    rmse = float(np.sqrt(mean_squared_error(y_true, y_pred)))
    r2 = float(r2_score(y_true, y_pred))
    print(json.dumps({"rmse": rmse, "r2": r2}))


if __name__ == "__main__":
    main()
