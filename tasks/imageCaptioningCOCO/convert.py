"""Builds the task's data folder from MS-COCO 2014 (full scale), and holds the folder's format for prepare.py.

Usage: python convert.py <raw dir> <out dir>, where the raw dir holds the three official archives
(train2014.zip, val2014.zip, annotations_trainval2014.zip) or their extracted folders (train2014/, val2014/,
annotations/). The out dir gets:
  train_images.parquet  every train2014 image with its captions (`anns`)
  val_images.parquet    half of val2014, with captions
  test_images.parquet   the other half of val2014, without captions
  test_references.parquet  the test images' captions (hidden from the agent: the evaluation's references)
  train/, val/, test/   the JPEG files, named as in COCO (COCO_train2014_000000000009.jpg, ...)
Each parquet row is one COCO image record (license, file_name, coco_url, height, width, date_captured, flickr_url,
id) plus `anns`, the list of its caption annotations as COCO writes them ({image_id, id, caption}). The original
task split val2014 in two halves the same way (its val and test sets are the same size)."""
import json
import os
import random
import shutil
import sys
import zipfile

import pyarrow as pa
import pyarrow.parquet as pq

ANNOTATION = pa.struct([("image_id", pa.int64()), ("id", pa.int64()), ("caption", pa.string())])
IMAGE_FIELDS = [
    ("license", pa.int64()),
    ("file_name", pa.string()),
    ("coco_url", pa.string()),
    ("height", pa.int64()),
    ("width", pa.int64()),
    ("date_captured", pa.string()),
    ("flickr_url", pa.string()),
    ("id", pa.int64()),
]
WITH_ANNS = pa.schema([*IMAGE_FIELDS, ("anns", pa.list_(ANNOTATION))])
WITHOUT_ANNS = pa.schema(IMAGE_FIELDS)
REFERENCES = pa.schema([("id", pa.int64()), ("file_name", pa.string()), ("anns", pa.list_(ANNOTATION))])
SPLIT_SEED = 2014


def image_rows(images, annotations):
    """COCO image records sorted by id, each with its caption annotations (sorted by id) under `anns`."""
    by_image = {}
    for ann in annotations:
        by_image.setdefault(ann["image_id"], []).append(
            {"image_id": int(ann["image_id"]), "id": int(ann["id"]), "caption": ann["caption"]}
        )
    rows = []
    for image in sorted(images, key=lambda record: record["id"]):
        row = {name: image.get(name) for name, _ in IMAGE_FIELDS}
        row["anns"] = sorted(by_image.get(image["id"], []), key=lambda ann: ann["id"])
        rows.append(row)
    return rows


def split_val(rows):
    """The val2014 rows in two halves (val, test), drawn with a fixed seed."""
    order = list(range(len(rows)))
    random.Random(SPLIT_SEED).shuffle(order)
    half = len(rows) // 2
    val = sorted((rows[i] for i in order[:half]), key=lambda row: row["id"])
    test = sorted((rows[i] for i in order[half:]), key=lambda row: row["id"])
    return val, test


def write_tables(out_dir, train, val, test):
    """Writes the four parquet files of the data folder from rows made by image_rows."""
    def write(rows, schema, name):
        table = pa.Table.from_pylist([{f.name: row[f.name] for f in schema} for row in rows], schema=schema)
        pq.write_table(table, os.path.join(out_dir, name))

    write(train, WITH_ANNS, "train_images.parquet")
    write(val, WITH_ANNS, "val_images.parquet")
    write(test, WITHOUT_ANNS, "test_images.parquet")
    write(test, REFERENCES, "test_references.parquet")


class Source:
    """One of COCO's archives, or the folder it extracts to."""

    def __init__(self, raw_dir, name):
        self.folder = os.path.join(raw_dir, name)
        self.zip = None
        if not os.path.isdir(self.folder):
            archive = os.path.join(raw_dir, name + ".zip")
            if not os.path.isfile(archive):
                raise SystemExit(f"convert.py: {raw_dir} has neither {name}.zip nor {name}/")
            self.zip = zipfile.ZipFile(archive)

    def open(self, member):
        if self.zip is not None:
            return self.zip.open(member)
        return open(os.path.join(os.path.dirname(self.folder), member), "rb")


def load_captions(raw_dir, split):
    source = Source(raw_dir, "annotations") if os.path.isdir(os.path.join(raw_dir, "annotations")) else Source(
        raw_dir, "annotations_trainval2014"
    )
    with source.open(f"annotations/captions_{split}.json") as handle:
        data = json.load(handle)
    return image_rows(data["images"], data["annotations"])


def copy_images(raw_dir, split, rows, out_dir):
    source = Source(raw_dir, split)
    os.makedirs(out_dir, exist_ok=True)
    for row in rows:
        with source.open(f"{split}/{row['file_name']}") as src, open(os.path.join(out_dir, row["file_name"]), "wb") as dst:
            shutil.copyfileobj(src, dst)


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: python convert.py <raw dir> <out dir>")
    raw_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    train = load_captions(raw_dir, "train2014")
    val, test = split_val(load_captions(raw_dir, "val2014"))
    for split, rows in (("train", train), ("val", val), ("test", test)):
        copy_images(raw_dir, "train2014" if split == "train" else "val2014", rows, os.path.join(out_dir, split))
        print(f"{split}: {len(rows)} images, {sum(len(row['anns']) for row in rows)} captions", flush=True)
    write_tables(out_dir, train, val, test)


if __name__ == "__main__":
    main()
