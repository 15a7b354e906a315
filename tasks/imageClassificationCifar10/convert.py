"""Turns the official CIFAR-10 python tarball into the task's data folder: `python convert.py <raw dir> <out dir>`.

Reads cifar-10-python.tar.gz (cifar-10-batches-py/data_batch_1..5 and test_batch: pickled dicts with b'data', uint8
N x 3072 as 1024 red, 1024 green then 1024 blue values row by row, and b'labels') and writes train.npz, test.npz and
answer.csv exactly as prepare.py writes the small scale. The pickles are read with an unpickler that builds only
dicts, lists, bytes and numpy arrays."""
import os
import pickle
import sys
import tarfile

import numpy as np

from prepare import write

ARCHIVE = "cifar-10-python.tar.gz"
TRAIN = [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)]
TEST = ["cifar-10-batches-py/test_batch"]
ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    # How Python 3 pickles bytes at protocol 2 (string encoding only).
    ("_codecs", "encode"),
}


class BatchUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in a CIFAR-10 batch")


def read_batch(archive, member):
    try:
        handle = archive.extractfile(member)
    except KeyError:
        raise SystemExit(f"{member} is not in {ARCHIVE}: is this the CIFAR-10 python version?")
    batch = BatchUnpickler(handle, encoding="bytes").load()
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    labels = np.asarray(batch[b"labels"], dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise SystemExit(f"{member}: expected data N x 3072 and N labels, got {data.shape} and {len(labels)}")
    if labels.max(initial=0) > 9:
        raise SystemExit(f"{member}: labels must be 0 to 9")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def read_split(archive, members):
    parts = [read_batch(archive, member) for member in members]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: python convert.py <raw dir> <out dir>")
    raw, out = sys.argv[1], sys.argv[2]
    with tarfile.open(os.path.join(raw, ARCHIVE), "r:gz") as archive:
        splits = {"train": read_split(archive, TRAIN), "test": read_split(archive, TEST)}
    write(out, splits)
    print(f"wrote {len(splits['train'][1])} training and {len(splits['test'][1])} test images to {out}")


if __name__ == "__main__":
    main()
