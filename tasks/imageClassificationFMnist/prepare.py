"""Prepares Fashion-MNIST for the task, offline when possible, and idempotently.

Writes data/train.npz (images, labels), data/test.npz (images only) and data/answer.csv (the test labels, hidden
from the agent). Sources, in order:
  1. the folder in $MLGYM_FASHION_MNIST_DIR, or Debian's `dataset-fashion-mnist` package
     (/usr/share/datasets/fashion-mnist): the original idx files, gzipped or not;
  2. the Hugging Face hub (`zalando-datasets/fashion_mnist`, as the original task), when online; needs pyarrow and
     pillow. $MLGYM_FASHION_MNIST_HF_URL overrides the base URL of its parquet files.
Whatever the source, the data must match a fixed digest."""
import csv
import gzip
import hashlib
import io
import os
import struct
import sys
import tempfile
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
HF_URL = "https://huggingface.co/datasets/zalando-datasets/fashion_mnist/resolve/main/fashion_mnist"
IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SIZES = {"train": 60000, "test": 10000}
# Order-independent digests of (image, label) pairs, so that any faithful source is accepted.
EXPECTED = {
    "train": "fb88a2f5c1b590c907f860b47803d006e4fa7b276cdb551799af9d443accdff7",
    "test": "0b381379398a0943a88bf3864ff3f5177903dcf178030b4b74c495294b38fa7c",
}


def digest(images, labels):
    rows = sorted(hashlib.sha256(img.tobytes() + bytes([int(lab)])).digest() for img, lab in zip(images, labels))
    return hashlib.sha256(b"".join(rows)).hexdigest()


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte idx file")
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def from_idx_dir(folder):
    def find(stem):
        for name in (stem + ".gz", stem):
            if os.path.exists(os.path.join(folder, name)):
                return os.path.join(folder, name)
        raise FileNotFoundError(f"{stem}(.gz) not in {folder}")

    return {split: (read_idx(find(img)), read_idx(find(lab))) for split, (img, lab) in IDX_FILES.items()}


def from_hub(base_url):
    try:
        import pyarrow.parquet as pq
        from PIL import Image
    except ImportError as error:
        raise RuntimeError(f"reading the Hugging Face copy needs pyarrow and pillow ({error})") from error
    out = {}
    for split in IDX_FILES:
        url = f"{base_url}/{split}-00000-of-00001.parquet"
        with urllib.request.urlopen(url, timeout=60) as response:
            table = pq.read_table(io.BytesIO(response.read()))
        images = np.stack(
            [np.asarray(Image.open(io.BytesIO(cell["bytes"])).convert("L")) for cell in table.column("image").to_pylist()]
        )
        out[split] = (images, np.asarray(table.column("label").to_pylist(), dtype=np.uint8))
    return out


def load_source():
    folder = os.environ.get("MLGYM_FASHION_MNIST_DIR") or DEBIAN_DIR
    errors = []
    if os.path.isdir(folder):
        try:
            return from_idx_dir(folder), folder
        except Exception as error:
            errors.append(f"{folder}: {error}")
    else:
        errors.append(f"{folder}: no such folder (apt-get install dataset-fashion-mnist)")
    base = os.environ.get("MLGYM_FASHION_MNIST_HF_URL", HF_URL)
    try:
        return from_hub(base), base
    except Exception as error:
        errors.append(f"{base}: {error}")
    sys.exit("cannot find Fashion-MNIST:\n  " + "\n  ".join(errors))


def prepared():
    paths = [os.path.join(DATA, n) for n in ("train.npz", "test.npz", "answer.csv")]
    if not all(os.path.exists(p) for p in paths):
        return False
    try:
        with np.load(paths[0]) as train:
            ok = train["images"].shape == (SIZES["train"], 28, 28) and train["labels"].shape == (SIZES["train"],)
        with np.load(paths[1]) as test:
            ok = ok and test["images"].shape == (SIZES["test"], 28, 28) and set(test.files) == {"images"}
        with open(paths[2]) as f:
            ok = ok and sum(1 for _ in f) == SIZES["test"] + 1
        return ok
    except Exception:
        return False


def write(data):
    os.makedirs(DATA, exist_ok=True)
    tmp = tempfile.mkdtemp(dir=DATA, prefix=".tmp-")
    train_images, train_labels = data["train"]
    test_images, test_labels = data["test"]
    np.savez_compressed(os.path.join(tmp, "train.npz"), images=train_images, labels=train_labels)
    np.savez_compressed(os.path.join(tmp, "test.npz"), images=test_images)
    with open(os.path.join(tmp, "answer.csv"), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["label"])
        writer.writerows([int(label)] for label in test_labels)
    # answer.csv last: prepared() only trusts a folder that has it.
    for name in ("train.npz", "test.npz", "answer.csv"):
        os.replace(os.path.join(tmp, name), os.path.join(DATA, name))
    os.rmdir(tmp)


def main():
    if prepared():
        return
    data, source = load_source()
    for split, (images, labels) in data.items():
        if images.shape != (SIZES[split], 28, 28) or labels.shape != (SIZES[split],):
            sys.exit(f"unexpected Fashion-MNIST {split} shapes from {source}: {images.shape}, {labels.shape}")
        found = digest(images, labels)
        if found != EXPECTED[split]:
            sys.exit(f"Fashion-MNIST {split} split from {source} has digest {found}, expected {EXPECTED[split]}")
    write(data)
    print(f"prepared Fashion-MNIST from {source} in {DATA}")


if __name__ == "__main__":
    main()
