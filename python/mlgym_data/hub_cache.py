"""Builds an offline copy of a Hugging Face Hub dataset from this project's prepared data, in the layout the
`datasets` library reads when the Hub is unreachable (HF_DATASETS_OFFLINE=1): its datasets cache,
`<cache>/<namespace>___<name>/default/0.0.0/<hash>/` with one `<name>-<split>.arrow` per split and `dataset_info.json`.

The original MLGym's Fashion-MNIST task calls `load_dataset("zalando-datasets/fashion_mnist")` at run time; with this
copy (made by `mlgym data link`) it runs on a machine without the network.

Usage: python -m mlgym_data.hub_cache <repo id> <our data folder> <cache folder>
Prints the dataset folder it wrote (the `<hash>` folder) as its last line."""
import hashlib
import io
import os
import shutil
import sys
import tempfile

import numpy as np

FASHION_MNIST_CLASSES = [
    "T - shirt / top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]


def _png(image):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def _fashion_mnist(folder):
    """Splits of our imageClassificationFMnist data (train.npz with labels, test.npz and answer.csv)."""
    import pandas as pd

    train = np.load(os.path.join(folder, "train.npz"))
    test = np.load(os.path.join(folder, "test.npz"))
    answers = pd.read_csv(os.path.join(folder, "answer.csv"))
    column = "label" if "label" in answers.columns else answers.columns[-1]
    test_labels = answers[column].to_numpy()
    if len(test_labels) != len(test["images"]):
        raise SystemExit(f"{folder}: answer.csv has {len(test_labels)} labels for {len(test['images'])} test images")
    return {"train": (train["images"], train["labels"]), "test": (test["images"], test_labels)}


BUILDERS = {"zalando-datasets/fashion_mnist": _fashion_mnist}


def build(repo_id, data_folder, cache_root):
    import datasets

    if repo_id not in BUILDERS:
        raise SystemExit(f"no offline copy of {repo_id} can be built (known: {', '.join(sorted(BUILDERS))})")
    splits = BUILDERS[repo_id](data_folder)
    namespace, name = repo_id.split("/")
    features = datasets.Features(
        {"image": datasets.Image(), "label": datasets.ClassLabel(names=FASHION_MNIST_CLASSES)}
    )
    digest = hashlib.sha256()
    for split in sorted(splits):
        images, labels = splits[split]
        digest.update(split.encode())
        digest.update(np.ascontiguousarray(images).tobytes())
        digest.update(np.asarray(labels, dtype=np.int64).tobytes())
    version_dir = os.path.join(cache_root, f"{namespace}___{name}", "default", "0.0.0")
    final = os.path.join(version_dir, digest.hexdigest()[:16])
    if os.path.isfile(os.path.join(final, "dataset_info.json")):
        return final
    os.makedirs(version_dir, exist_ok=True)
    work = tempfile.mkdtemp(prefix=".building-", dir=version_dir)
    try:
        split_infos = {}
        for split, (images, labels) in splits.items():
            table = datasets.Dataset.from_dict(
                {"image": [{"bytes": _png(img), "path": None} for img in images], "label": [int(x) for x in labels]},
                features=features,
            )
            saved = os.path.join(work, f"saved-{split}")
            datasets.disable_progress_bars()
            table.save_to_disk(saved, max_shard_size="10GB")
            shards = sorted(f for f in os.listdir(saved) if f.endswith(".arrow"))
            if len(shards) != 1:
                raise SystemExit(f"expected one arrow file for {split}, got {shards}")
            target = os.path.join(work, f"{name}-{split}.arrow")
            os.replace(os.path.join(saved, shards[0]), target)
            shutil.rmtree(saved)
            split_infos[split] = datasets.SplitInfo(
                name=split, num_bytes=os.path.getsize(target), num_examples=len(labels), dataset_name=name
            )
        info = datasets.DatasetInfo(
            features=features,
            splits=datasets.SplitDict.from_split_dict(list(split_infos.values()), dataset_name=name),
            dataset_name=name,
            config_name="default",
            version="0.0.0",
            builder_name="parquet",
        )
        info.write_to_directory(work)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    print(build(sys.argv[1], sys.argv[2], sys.argv[3]))
