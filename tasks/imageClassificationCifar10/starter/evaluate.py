"""Scores a CIFAR-10 submission (one `label` per test image, in test order): prints {"accuracy": ...}."""
import argparse
import json
import sys

import pandas as pd

ANSWERS = "data/answer.csv"


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission_file", default="submission.csv")
    args = parser.parse_args()
    answers = pd.read_csv(ANSWERS)["label"]
    try:
        submission = pd.read_csv(args.submission_file)
    except Exception as error:
        fail(f"cannot read {args.submission_file} as CSV: {error}")
    if "label" not in submission.columns:
        fail(f"the submission needs a column named label (found: {', '.join(map(str, submission.columns))})")
    if len(submission) != len(answers):
        fail(f"the submission has {len(submission)} rows; it needs one per test image ({len(answers)})")
    predicted = pd.to_numeric(submission["label"], errors="coerce")
    if predicted.isna().any() or not predicted.isin(range(10)).all():
        fail("every label must be an integer class from 0 to 9")
    accuracy = float((predicted.astype(int).to_numpy() == answers.to_numpy()).mean())
    print(json.dumps({"accuracy": accuracy}))


if __name__ == "__main__":
    main()
