"""Generates the small scale's CIFAR-10-shaped data for the task, offline, deterministically and idempotently.

Writes data/train.npz (`images` uint8 N x 32 x 32 x 3, `labels` uint8 N), data/test.npz (`images` only) and
data/answer.csv (`label`, the test labels, hidden from the agent): the same files, keys, dtypes and shapes that
convert.py writes from the real CIFAR-10 at the full scale, with fewer images. The pictures are synthetic: each class
is a colour family and a stripe orientation, drawn with random hue shifts, phases, blobs and noise, so that a small
CNN learns them in about a minute on a CPU without reaching perfect accuracy."""
import csv
import hashlib
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
SIZES = {"train": 2000, "test": 500}
SEED = 20240520
SIDE = 32
# Five colour families, each shared by two classes that differ in their stripes' orientation (degrees).
COLOURS = np.array([[200, 60, 60], [60, 170, 70], [70, 90, 210], [210, 190, 60], [150, 80, 190]], dtype=np.float32)
ANGLES = [0.0, 90.0, 45.0, 135.0, 20.0, 110.0, 65.0, 155.0, 0.0, 90.0]
FREQUENCIES = [3.0, 3.0, 2.5, 2.5, 3.5, 3.5, 2.0, 2.0, 4.0, 4.0]


def generate(rng, count):
    labels = rng.permutation(np.arange(count) % 10).astype(np.uint8)
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32) / SIDE
    angle = np.radians(np.array(ANGLES, dtype=np.float32)[labels] + rng.normal(0, 12, count))
    freq = np.array(FREQUENCIES, dtype=np.float32)[labels] * rng.uniform(0.8, 1.25, count)
    phase = rng.uniform(0, 2 * np.pi, count)
    along = x[None] * np.cos(angle)[:, None, None] + y[None] * np.sin(angle)[:, None, None]
    stripes = np.sin(2 * np.pi * freq[:, None, None] * along + phase[:, None, None])
    family = COLOURS[labels // 2] + rng.normal(0, 30, (count, 3))
    background = rng.uniform(40, 200, (count, 3))
    amplitude = rng.uniform(0.25, 0.6, count)
    mix = 0.5 + 0.5 * stripes * amplitude[:, None, None] * 2
    images = mix[..., None] * family[:, None, None, :] + (1 - mix[..., None]) * background[:, None, None, :]
    # A distracting blob of random colour at a random place.
    cx, cy = rng.uniform(0, 1, count), rng.uniform(0, 1, count)
    radius = rng.uniform(0.1, 0.3, count)
    blob = ((x[None] - cx[:, None, None]) ** 2 + (y[None] - cy[:, None, None]) ** 2) < radius[:, None, None] ** 2
    images = np.where(blob[..., None], rng.uniform(0, 255, (count, 1, 1, 3)), images)
    images = images + rng.normal(0, 20, images.shape)
    return np.clip(np.rint(images), 0, 255).astype(np.uint8), labels


def write(folder, splits):
    os.makedirs(folder, exist_ok=True)
    (train_images, train_labels), (test_images, test_labels) = splits["train"], splits["test"]
    np.savez(os.path.join(folder, "train.npz"), images=train_images, labels=train_labels)
    np.savez(os.path.join(folder, "test.npz"), images=test_images)
    with open(os.path.join(folder, "answer.csv"), "w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["label"])
        out.writerows([int(label)] for label in test_labels)


def ready(folder):
    return all(os.path.exists(os.path.join(folder, name)) for name in ("train.npz", "test.npz", "answer.csv"))


def main():
    if ready(DATA):
        return
    rng = np.random.default_rng(SEED)
    splits = {split: generate(rng, count) for split, count in SIZES.items()}
    write(DATA, splits)
    digest = hashlib.sha256(splits["train"][0].tobytes() + splits["test"][0].tobytes()).hexdigest()[:16]
    print(f"wrote {SIZES['train']} training and {SIZES['test']} test images to {DATA} (digest {digest})")


if __name__ == "__main__":
    main()
