"""Generates the small-scale data: synthetic pictures in MS-COCO 2014's format, offline and deterministically.

Each picture (64x64 JPEG) shows one coloured shape on a plain background; five captions per picture describe it in
different words, as COCO's five annotators do. The records go through convert.py's own writer, so the folder has
exactly the full scale's files, columns and types (see convert.py). Idempotent: a complete folder is kept."""
import io
import os
import random
import sys

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convert  # noqa: E402

DATA = os.path.join(HERE, "data")
SEED = 13
COUNTS = {"train2014": 2000, "val2014": 600}  # val2014 is halved into val and test, as at full scale
SIZE = 64
COLORS = {
    "red": (210, 40, 40),
    "green": (40, 160, 60),
    "blue": (40, 80, 220),
    "yellow": (235, 205, 40),
    "purple": (135, 60, 175),
    "orange": (245, 135, 30),
}
BACKGROUNDS = {"white": (240, 240, 240), "black": (20, 20, 20), "gray": (125, 125, 125)}
SHAPES = ["circle", "square", "triangle"]
SIZES = {"small": 8, "large": 15}
POSITIONS = {"top left": (17, 17), "top right": (47, 17), "bottom left": (17, 47), "bottom right": (47, 47), "center": (32, 32)}
TEMPLATES = [
    "a {size} {color} {shape} on a {bg} background",
    "a {color} {shape} in the {pos} of the image",
    "there is a {size} {color} {shape} in the {pos}",
    "a {bg} picture with a {color} {shape}",
    "one {color} {shape} on {bg}",
    "a {size} {shape} colored {color} against {bg}",
    "a {color} {shape} placed at the {pos} on a {bg} background",
]
OUTPUTS = ["train_images.parquet", "val_images.parquet", "test_images.parquet", "test_references.parquet"]


def draw(rng, scene):
    background = tuple(max(0, min(255, c + rng.randint(-12, 12))) for c in BACKGROUNDS[scene["bg"]])
    image = Image.new("RGB", (SIZE, SIZE), background)
    pen = ImageDraw.Draw(image)
    cx, cy = (c + rng.randint(-3, 3) for c in POSITIONS[scene["pos"]])
    r = SIZES[scene["size"]] + rng.randint(-1, 1)
    fill = tuple(max(0, min(255, c + rng.randint(-20, 20))) for c in COLORS[scene["color"]])
    if scene["shape"] == "circle":
        pen.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
    elif scene["shape"] == "square":
        pen.rectangle([cx - r, cy - r, cx + r, cy + r], fill=fill)
    else:
        pen.polygon([(cx, cy - r), (cx - r, cy + r), (cx + r, cy + r)], fill=fill)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def captions(rng, scene):
    """Five captions in five different phrasings, written as people do (capitals, a final full stop or not)."""
    texts = []
    for template in rng.sample(TEMPLATES, 5):
        text = template.format(**scene)
        text = text[0].upper() + text[1:] if rng.random() < 0.7 else text
        texts.append(text + "." if rng.random() < 0.5 else text)
    return texts


def generate(rng, split, count, ids, ann_ids):
    """COCO-style image records, caption annotations and JPEG bytes for one COCO split."""
    images, annotations, files = [], [], {}
    for _ in range(count):
        scene = {
            "color": rng.choice(list(COLORS)),
            "bg": rng.choice(list(BACKGROUNDS)),
            "shape": rng.choice(SHAPES),
            "size": rng.choice(list(SIZES)),
            "pos": rng.choice(list(POSITIONS)),
        }
        image_id = ids.pop()
        file_name = f"COCO_{split}_{image_id:012d}.jpg"
        files[file_name] = draw(rng, scene)
        images.append({
            "license": rng.randint(1, 8),
            "file_name": file_name,
            "coco_url": f"http://images.cocodataset.org/{split}/{file_name}",
            "height": SIZE,
            "width": SIZE,
            "date_captured": f"2013-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:"
            f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
            "flickr_url": "",
            "id": image_id,
        })
        for text in captions(rng, scene):
            annotations.append({"image_id": image_id, "id": ann_ids.pop(), "caption": text})
    return images, annotations, files


def complete():
    return all(os.path.isfile(os.path.join(DATA, name)) for name in OUTPUTS)


def main():
    if complete():
        print(f"data already prepared in {DATA}")
        return
    rng = random.Random(SEED)
    total = sum(COUNTS.values())
    ids = rng.sample(range(1, 600000), total)
    ann_ids = rng.sample(range(1, 900000), total * 5)
    rows, files = {}, {}
    for split, count in COUNTS.items():
        images, annotations, split_files = generate(rng, split, count, ids, ann_ids)
        rows[split] = convert.image_rows(images, annotations)
        files.update(split_files)
    val, test = convert.split_val(rows["val2014"])
    for folder, split_rows in (("train", rows["train2014"]), ("val", val), ("test", test)):
        os.makedirs(os.path.join(DATA, folder), exist_ok=True)
        for row in split_rows:
            with open(os.path.join(DATA, folder, row["file_name"]), "wb") as handle:
                handle.write(files[row["file_name"]])
    convert.write_tables(DATA, rows["train2014"], val, test)
    print(f"prepared {len(rows['train2014'])} train, {len(val)} val and {len(test)} test images in {DATA}")


if __name__ == "__main__":
    main()
