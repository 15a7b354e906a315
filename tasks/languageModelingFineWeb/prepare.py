"""Makes the small scale's data: FineWeb-format token shards of a synthetic corpus (offline, deterministic).

The files have exactly the original's format and names (data/fineweb10B/fineweb_{train,val}_NNNNNN.bin: a header of
256 int32 - magic 20240520, version 1, token count - then the tokens as uint16). The text comes from a small
generator with structure a model can learn (documents on one topic, agreement, counting, arithmetic, repeated
names), tokenized with a byte-level BPE of at most 1024 tokens trained here with the `tokenizers` library on the training
text: GPT-2's tokenizer cannot be downloaded offline, so the ids are those of our BPE, not GPT-2's (all below 1024,
stored as uint16 all the same). The tokenizer is saved as data/tokenizer.json for reference; the full scale has real
GPT-2 ids. Idempotent: nothing is done when the files exist.
"""
import os
import random
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "data" / "fineweb10B"
MAGIC, VERSION = 20240520, 1
VOCAB = 1024
TRAIN_TOKENS = 1_200_000
VAL_TOKENS = 65_537

TOPICS = {
    "garden": (["rose", "tulip", "seed", "shovel", "bee", "hedge"], ["grows", "blooms", "wilts", "needs water"]),
    "harbor": (["boat", "sailor", "anchor", "wave", "gull", "net"], ["drifts", "sinks", "floats", "waits"]),
    "kitchen": (["pot", "knife", "onion", "oven", "spoon", "bread"], ["boils", "burns", "cools", "rises"]),
    "forest": (["oak", "fox", "owl", "path", "moss", "deer"], ["hides", "sleeps", "runs", "grows"]),
    "city": (["tram", "tower", "market", "bridge", "lamp", "crowd"], ["shines", "moves", "stops", "waits"]),
}
ADJECTIVES = ["old", "small", "bright", "quiet", "green", "heavy", "cold", "busy"]
NAMES = ["Ada", "Bruno", "Chen", "Dara", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jun"]
NUMBERS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def sentence(rng, nouns, verbs, name):
    kind = rng.randrange(6)
    noun, other = rng.choice(nouns), rng.choice(nouns)
    if kind == 0:
        return f"The {rng.choice(ADJECTIVES)} {noun} {rng.choice(verbs)} near the {other}."
    if kind == 1:
        a, b = rng.randrange(6), rng.randrange(5)
        return f"{name} has {NUMBERS[a]} {noun}s and finds {NUMBERS[b]} more, so {name} has {NUMBERS[a + b]}."
    if kind == 2:
        start = rng.randrange(6)
        return "Counting: " + ", ".join(NUMBERS[start : start + 5]) + "."
    if kind == 3:
        return f"{name} said that the {noun} {rng.choice(verbs)} every day."
    if kind == 4:
        a, b = rng.randrange(10), rng.randrange(10)
        return f"{a} plus {b} is {a + b}."
    return f"Every {noun} {rng.choice(verbs)}, and every {other} {rng.choice(verbs)} too."


def document(rng):
    topic = rng.choice(sorted(TOPICS))
    nouns, verbs = TOPICS[topic]
    name = rng.choice(NAMES)
    lines = [f"A story about the {topic}."]
    lines += [sentence(rng, nouns, verbs, name) for _ in range(rng.randrange(4, 12))]
    return " ".join(lines) + "\n"


def text(seed, count):
    rng = random.Random(seed)
    return [document(rng) for _ in range(count)]


def write_shard(path, tokens):
    header = np.zeros(256, dtype=np.int32)
    header[0], header[1], header[2] = MAGIC, VERSION, len(tokens)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        handle.write(header.tobytes())
        handle.write(np.asarray(tokens, dtype=np.uint16).tobytes())
    os.replace(tmp, path)


def encode_until(tokenizer, docs, wanted):
    tokens = []
    for start in range(0, len(docs), 2000):
        for encoding in tokenizer.encode_batch(docs[start : start + 2000]):
            tokens.extend(encoding.ids)
        if len(tokens) >= wanted:
            return tokens[:wanted]
    raise SystemExit(f"the generator made only {len(tokens)} tokens, {wanted} wanted")


def main():
    train_path, val_path = OUT / "fineweb_train_000001.bin", OUT / "fineweb_val_000000.bin"
    if train_path.exists() and val_path.exists():
        return
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    from tokenizers import ByteLevelBPETokenizer

    train_docs, val_docs = text(1, 60_000), text(2, 4_000)
    tokenizer = ByteLevelBPETokenizer()
    tokenizer.train_from_iterator(train_docs[:20_000], vocab_size=VOCAB, min_frequency=2, show_progress=False)
    OUT.mkdir(parents=True, exist_ok=True)
    tokenizer._tokenizer.save(str(HERE / "data" / "tokenizer.json"))
    write_shard(train_path, encode_until(tokenizer, train_docs, TRAIN_TOKENS))
    write_shard(val_path, encode_until(tokenizer, val_docs, VAL_TOKENS))
    print(f"wrote {train_path.name} ({TRAIN_TOKENS} tokens) and {val_path.name} ({VAL_TOKENS} tokens)", file=sys.stderr)


if __name__ == "__main__":
    main()
