"""Full scale: lays out MultiNLI and bert-base-uncased as the task reads them. Usage: python convert.py <raw> <out>.

<raw> holds the Hugging Face `nyu-mll/multi_nli` parquet files (train-00000-of-00001.parquet,
validation_matched-00000-of-00001.parquet, from the dataset's data/ folder) and the bert-base-uncased files
(config.json, vocab.txt, model.safetensors). Writes <out>/train.parquet, <out>/validation_matched.parquet (the
columns the task documents, rows without a gold label dropped) and <out>/pretrained/.
"""
import shutil
import sys
from pathlib import Path

import pandas as pd

COLUMNS = ["promptID", "pairID", "premise", "hypothesis", "genre", "label"]
SPLITS = {"train": "train-00000-of-00001.parquet", "validation_matched": "validation_matched-00000-of-00001.parquet"}
MODEL_FILES = ["config.json", "vocab.txt", "model.safetensors"]


def main(raw, out):
    raw, out = Path(raw), Path(out)
    missing = [name for name in [*SPLITS.values(), *MODEL_FILES] if not (raw / name).exists()]
    if missing:
        raise SystemExit(f"missing in {raw}: {', '.join(missing)}")
    out.mkdir(parents=True, exist_ok=True)
    for split, name in SPLITS.items():
        # Read on this thread: pyarrow's reader threads now and then abort Python at exit (apache/arrow#34314).
        frame = pd.read_parquet(raw / name, use_threads=False, pre_buffer=False)
        absent = [c for c in COLUMNS if c not in frame.columns]
        if absent:
            raise SystemExit(f"{name} lacks the columns {absent}")
        frame = frame[frame["label"].between(0, 2)][COLUMNS]
        frame.astype({"label": "int64"}).to_parquet(out / f"{split}.parquet", index=False)
    (out / "pretrained").mkdir(exist_ok=True)
    for name in MODEL_FILES:
        shutil.copyfile(raw / name, out / "pretrained" / name)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: python convert.py <raw dir> <out dir>")
    main(sys.argv[1], sys.argv[2])
