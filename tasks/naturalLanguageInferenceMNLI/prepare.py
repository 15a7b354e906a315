"""Makes the small scale's data (offline, deterministic): sentence pairs in MultiNLI's format and a tiny BERT setup.

- data/train.parquet and data/validation_matched.parquet: the columns of the Hugging Face `multi_nli` files
  (promptID, pairID, premise, hypothesis, genre, label with 0 entailment, 1 neutral, 2 contradiction; the parse
  columns are left out). The pairs are generated from templates: an entailed hypothesis restates or generalises
  the premise, a contradiction changes the action, the place or negates it, a neutral one adds something the
  premise does not say.
- data/pretrained/: what the baseline starts from, in the layout of a Hugging Face model folder: `vocab.txt` (a
  WordPiece vocabulary of the training text's words and characters, lower-cased like bert-base-uncased's) and
  `config.json` (a tiny BertConfig). There are no pretrained weights at this scale (bert-base-uncased cannot be
  downloaded offline): the baseline trains from scratch. At full scale the folder holds bert-base-uncased.
Idempotent: nothing is done when the files exist.
"""
import json
import os
import random
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
GENRES = ["fiction", "government", "slate", "telephone", "travel"]
PEOPLE = [("woman", "person"), ("man", "person"), ("child", "kid"), ("doctor", "worker"), ("farmer", "worker"),
          ("teacher", "adult"), ("dog", "animal"), ("cat", "animal"), ("singer", "performer"), ("pilot", "worker")]
ADJECTIVES = ["tall", "young", "old", "tired", "happy", "quiet", "busy", "small"]
ACTIONS = [("reading a book", "sleeping"), ("eating lunch", "fasting"), ("running", "sitting still"),
           ("singing", "silent"), ("cooking dinner", "asleep"), ("painting a wall", "lying in bed"),
           ("swimming", "on a plane"), ("writing a letter", "dancing")]
PLACES = [("in the park", "indoors"), ("at home", "abroad"), ("on a boat", "on a mountain"), ("in a kitchen", "in a car"),
          ("near the river", "in the desert"), ("at school", "at the beach")]
EXTRAS = ["because it is raining", "with a friend", "for the first time", "to win a prize", "after a long day",
          "while waiting for a bus", "on a sunny morning", "for money"]


def pair(rng, label):
    person, general = rng.choice(PEOPLE)
    adjective = rng.choice(ADJECTIVES)
    action, opposite_action = rng.choice(ACTIONS)
    place, opposite_place = rng.choice(PLACES)
    premise = f"A {adjective} {person} is {action} {place}."
    if label == 0:
        hypothesis = rng.choice([f"A {person} is {action}.", f"A {general} is {action} {place}.",
                                 f"Someone is {place}.", f"The {person} is {adjective}."])
    elif label == 1:
        hypothesis = rng.choice([f"A {person} is {action} {rng.choice(EXTRAS)}.",
                                 f"The {person} is {action} {place} {rng.choice(EXTRAS)}.",
                                 f"A {general} is {rng.choice(ADJECTIVES)} and {action}."])
    else:
        hypothesis = rng.choice([f"A {person} is {opposite_action}.", f"The {person} is not {action}.",
                                 f"A {general} is {action} {opposite_place}.", f"Nobody is {place}."])
    return premise, hypothesis


def split(seed, count, first_prompt):
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        label = rng.randrange(3)
        premise, hypothesis = pair(rng, label)
        prompt = first_prompt + i
        rows.append({"promptID": prompt, "pairID": f"{prompt}{'enc'[label]}", "premise": premise,
                     "hypothesis": hypothesis, "genre": rng.choice(GENRES), "label": label})
    frame = pd.DataFrame(rows)
    return frame.astype({"promptID": "int32", "label": "int64"})


def wordpiece_vocab(texts):
    """BERT's special tokens, every word of the texts and every character alone and as a continuation (so that any
    word still tokenizes), in a fixed order. The `tokenizers` WordPiece trainer breaks ties differently from run
    to run, so the vocabulary is built here instead; BertTokenizerFast reads it like any vocab.txt."""
    from tokenizers.pre_tokenizers import BertPreTokenizer

    split_words = BertPreTokenizer()
    words = {word for text in texts for word, _ in split_words.pre_tokenize_str(text.lower())}
    chars = sorted({c for word in words for c in word} | set("abcdefghijklmnopqrstuvwxyz0123456789.,!?'-"))
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *(f"##{c}" for c in chars),
            *sorted(words - set(chars))]


def main():
    files = [DATA / "train.parquet", DATA / "validation_matched.parquet", DATA / "pretrained" / "vocab.txt",
             DATA / "pretrained" / "config.json"]
    if all(f.exists() for f in files):
        return
    train, validation = split(1, 6000, 10000), split(2, 1000, 90000)
    (DATA / "pretrained").mkdir(parents=True, exist_ok=True)
    vocab = wordpiece_vocab(list(train["premise"]) + list(train["hypothesis"]))
    (DATA / "pretrained" / "vocab.txt").write_text("".join(f"{token}\n" for token in vocab))
    config = {"architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": len(vocab),
              "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128,
              "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
              "max_position_embeddings": 128, "type_vocab_size": 2, "initializer_range": 0.02,
              "layer_norm_eps": 1e-12, "pad_token_id": 0}
    (DATA / "pretrained" / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    train.to_parquet(DATA / "train.parquet", index=False)
    validation.to_parquet(DATA / "validation_matched.parquet", index=False)


if __name__ == "__main__":
    main()
