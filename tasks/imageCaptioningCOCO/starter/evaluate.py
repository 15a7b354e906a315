"""Scores a captioning submission: prints {"BLEU Score": ...}, the mean over the test images of each caption's BLEU.

The submission (`submission.csv`) has one row per test image: `image_id` (the `id` of data/test_images.parquet) and
`caption`, the generated caption. Each caption is scored against all reference captions of its image (hidden from
the agent) with sentence-level BLEU-4 exactly as NLTK's `sentence_bleu` computes it with its default weights
(0.25 each for 1- to 4-grams) and no smoothing, as the original task did; the score is the mean over the images.
Captions and references are compared as lower-case words: runs of letters and digits, punctuation dropped."""
import argparse
import json
import math
import re
import sys
from collections import Counter

import pandas as pd

REFERENCES = "data/test_references.parquet"
MAX_CHARS = 1000
MAX_WORDS = 100
WEIGHTS = (0.25, 0.25, 0.25, 0.25)
TINY = sys.float_info.min  # NLTK's stand-in for a zero precision: its log drives the score to 0


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def tokenize(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def ngrams(words, n):
    return Counter(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def sentence_bleu(references, hypothesis):
    """NLTK's sentence_bleu(references, hypothesis) with default weights and no smoothing (method0)."""
    if not hypothesis:
        return 0.0
    precisions = []
    for n in range(1, len(WEIGHTS) + 1):
        counts = ngrams(hypothesis, n)
        best = Counter()
        for reference in references:
            for gram, count in ngrams(reference, n).items():
                if gram in counts and count > best[gram]:
                    best[gram] = count
        matches = sum(min(count, best[gram]) for gram, count in counts.items())
        if n == 1 and matches == 0:
            return 0.0
        precisions.append(matches / max(1, sum(counts.values())) if matches else TINY)
    closest = min((len(r) for r in references), key=lambda length: (abs(length - len(hypothesis)), length))
    penalty = 1.0 if len(hypothesis) > closest else math.exp(1 - closest / len(hypothesis))
    return penalty * math.exp(math.fsum(w * math.log(p) for w, p in zip(WEIGHTS, precisions)))


def read_submission(path, test_ids):
    """The submission's caption for every test image, by image id, after checking its shape."""
    try:
        submission = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as error:
        fail(f"cannot read {path} as CSV: {error}")
    missing = [column for column in ("image_id", "caption") if column not in submission.columns]
    if missing:
        hint = " (a bleu_score column is not read: the evaluation scores the captions itself)" if (
            "bleu_score" in submission.columns
        ) else ""
        fail(
            f"the submission needs the columns image_id and caption, one row per test image; missing: "
            f"{', '.join(missing)}{hint}"
        )
    ids = pd.to_numeric(submission["image_id"], errors="coerce")
    if ids.isna().any() or (ids != ids.round()).any():
        bad = submission["image_id"][ids.isna() | (ids != ids.round())].iloc[0]
        fail(f"every image_id must be an integer id from data/test_images.parquet (found {bad!r})")
    ids = ids.astype("int64")
    repeated = ids[ids.duplicated()]
    if len(repeated):
        fail(f"image_id {repeated.iloc[0]} appears more than once; give one caption per test image")
    unknown = sorted(set(ids) - test_ids)
    if unknown:
        fail(f"image_id {unknown[0]} is not a test image ({len(unknown)} unknown ids in all)")
    absent = sorted(test_ids - set(ids))
    if absent:
        fail(f"{len(absent)} of the {len(test_ids)} test images have no caption (for example image_id {absent[0]})")
    captions = dict(zip(ids, submission["caption"]))
    for image_id, caption in captions.items():
        words = len(tokenize(caption))
        if len(caption) > MAX_CHARS or words > MAX_WORDS:
            fail(
                f"the caption of image_id {image_id} has {len(caption)} characters and {words} words; "
                f"at most {MAX_CHARS} characters and {MAX_WORDS} words are allowed"
            )
    return captions


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission_file", default="submission.csv")
    args = parser.parse_args()
    # Read on this thread: pyarrow's reader threads now and then abort Python at exit (apache/arrow#34314).
    references = pd.read_parquet(REFERENCES, columns=["id", "anns"], use_threads=False, pre_buffer=False)
    captions = read_submission(args.submission_file, set(int(i) for i in references["id"]))
    scores = [
        sentence_bleu([tokenize(ann["caption"]) for ann in anns], tokenize(captions[int(image_id)]))
        for image_id, anns in zip(references["id"], references["anns"])
    ]
    print(json.dumps({"BLEU Score": math.fsum(scores) / len(scores)}))


if __name__ == "__main__":
    main()
