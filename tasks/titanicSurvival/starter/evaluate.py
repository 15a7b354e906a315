"""Scores a Titanic submission (PassengerId,Survived) against the hidden outcomes: prints {"accuracy": ...}."""
import argparse
import json
import sys

import pandas as pd

ANSWERS = "data/ground_truth.csv"


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission_file", default="submission.csv")
    args = parser.parse_args()
    truth = pd.read_csv(ANSWERS)
    try:
        submission = pd.read_csv(args.submission_file)
    except Exception as error:
        fail(f"cannot read {args.submission_file} as CSV: {error}")
    missing = [c for c in ("PassengerId", "Survived") if c not in submission.columns]
    if missing:
        fail(f"the submission needs the columns PassengerId and Survived; missing: {', '.join(missing)}")
    if submission["PassengerId"].duplicated().any():
        fail("the submission has duplicate PassengerIds")
    wanted, given = set(truth["PassengerId"]), set(submission["PassengerId"])
    if wanted != given:
        fail(
            f"the submission must have one row per passenger of test.csv ({len(wanted)} rows): "
            f"{len(wanted - given)} are missing and {len(given - wanted)} are unknown"
        )
    predicted = pd.to_numeric(submission["Survived"], errors="coerce")
    if predicted.isna().any() or not predicted.isin([0, 1]).all():
        fail("Survived must be 0 or 1 in every row")
    merged = truth.merge(submission.assign(Survived=predicted.astype(int)), on="PassengerId", suffixes=("", "_pred"))
    accuracy = float((merged["Survived"] == merged["Survived_pred"]).mean())
    print(json.dumps({"accuracy": accuracy}))


if __name__ == "__main__":
    main()
