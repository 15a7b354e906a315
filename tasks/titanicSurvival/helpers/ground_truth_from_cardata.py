"""Rebuilds data/ground_truth.csv: the true survival of the 418 passengers of the Kaggle test set.

The original task's ground_truth.csv is not ground truth: it is Kaggle's gender_submission.csv (every woman survives,
every man dies), so the gender rule scored 1.0 against it. The real outcomes are public: the `TitanicSurvival` data
of R's carData package (1309 passengers, from the Titanic3 list by T. Cason) carries them. Passengers are matched on
class, sex, name (carData truncates names to 31 characters and suffixes twins with (A)/(B)) and age, and the match
must reproduce all 891 known labels of train.csv before the test labels are trusted. With these labels the gender
rule scores 0.76555, the score the original reports for its baseline.

Usage (Debian: apt-get install r-cran-cardata):
  Rscript -e 'library(carData); d <- TitanicSurvival; d$name <- rownames(d); write.csv(d, "ts.csv", row.names=FALSE)'
  python helpers/ground_truth_from_cardata.py ts.csv
"""
import re
import sys

import pandas as pd


def norm(text):
    return re.sub(r"[^a-z]", "", text.lower())


def surname(name):
    return norm(name.split(",")[0])


def main(cardata_csv):
    ref = pd.read_csv(cardata_csv)
    ref["pclass"] = ref["passengerClass"].map({"1st": 1, "2nd": 2, "3rd": 3})
    ref["survived01"] = (ref["survived"] == "yes").astype(int)
    ref["truncated"] = ref["name"].str.len() >= 31
    ref["key"] = ref["name"].str.replace(r" \([AB]\)$", "", regex=True).map(norm)
    ref["surname"] = ref["name"].map(surname)
    ref["age_key"] = ref["age"].map(lambda a: None if pd.isna(a) else round(float(a), 1))
    used = set()

    def pick(candidates, age):
        candidates = candidates[~candidates.index.isin(used)]
        if len(candidates) > 1:
            same_age = candidates[candidates["age_key"] == (None if pd.isna(age) else round(float(age), 1))]
            if len(same_age) > 0:
                candidates = same_age
        return candidates.index[0] if len(candidates) == 1 else None

    def match(passengers):
        found = {}
        for strict in (True, False):  # by name first, then by surname, class, sex and age
            for _, p in passengers.iterrows():
                if p.PassengerId in found:
                    continue
                same = ref[(ref["pclass"] == p.Pclass) & (ref["sex"] == p.Sex)]
                key = norm(p.Name)
                if strict:
                    mask = [key.startswith(k) if t else key == k for k, t in zip(same["key"], same["truncated"])]
                    same = same[mask]
                else:
                    same = same[same["surname"] == surname(p.Name)]
                row = pick(same, p.Age)
                if row is not None:
                    used.add(row)
                    found[p.PassengerId] = int(ref.loc[row, "survived01"])
        missing = set(passengers["PassengerId"]) - set(found)
        if missing:
            sys.exit(f"unmatched passengers: {sorted(missing)}")
        return found

    train = pd.read_csv("data/train.csv")
    test = pd.read_csv("data/test.csv")
    # One pass over everybody: a strict match anywhere must come before any loose one.
    found = match(pd.concat([train, test], ignore_index=True))
    train_found = test_found = found
    wrong = [pid for pid, s in zip(train["PassengerId"], train["Survived"]) if train_found[pid] != s]
    if wrong:
        sys.exit(f"the matching disagrees with train.csv for {len(wrong)} passengers: {wrong[:10]}")
    out = pd.DataFrame({"PassengerId": test["PassengerId"], "Survived": [test_found[p] for p in test["PassengerId"]]})
    out.to_csv("data/ground_truth.csv", index=False)
    gender = ((test["Sex"] == "female").astype(int) == out["Survived"]).mean()
    print(f"wrote data/ground_truth.csv ({len(out)} passengers); the gender rule scores {gender:.5f}")


if __name__ == "__main__":
    main(sys.argv[1])
