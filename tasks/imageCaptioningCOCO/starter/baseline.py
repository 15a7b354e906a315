"""Baseline captioner: a small CNN encoder and an LSTM decoder (the original's design), trained from scratch.

Writes submission.csv with one generated caption per test image (columns image_id, caption)."""
import os
import random
import re
from collections import Counter

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from PIL import Image
from torch.nn.utils.rnn import pack_padded_sequence

DATA = "data"
IMAGE_SIZE = 32
EMBED_SIZE = 128
HIDDEN_SIZE = 256
EPOCHS = 10
BATCH_SIZE = 64
LEARNING_RATE = 2e-3
FREQ_THRESHOLD = 3
MAX_LENGTH = 20


def set_seed(seed=42):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def tokenize(text):
    """Lower-case words, punctuation dropped: the way evaluate.py compares captions."""
    return re.findall(r"[a-z0-9]+", text.lower())


class Vocabulary:
    def __init__(self, freq_threshold):
        self.freq_threshold = freq_threshold
        self.itos = {0: "<PAD>", 1: "<SOS>", 2: "<EOS>", 3: "<UNK>"}
        self.stoi = {word: index for index, word in self.itos.items()}

    def __len__(self):
        return len(self.itos)

    def build_vocabulary(self, sentences):
        counts = Counter(word for sentence in sentences for word in tokenize(sentence))
        for word, count in sorted(counts.items()):
            if count >= self.freq_threshold:
                self.stoi[word] = len(self.itos)
                self.itos[len(self.itos)] = word

    def numericalize(self, text):
        return [self.stoi.get(word, self.stoi["<UNK>"]) for word in tokenize(text)]

    def detokenize(self, ids):
        words = []
        for index in ids:
            if index == self.stoi["<EOS>"]:
                break
            if index > 3:
                words.append(self.itos[index])
        return " ".join(words)


def load_images(split, file_names):
    """All pictures of a split as one uint8 tensor (N, 3, IMAGE_SIZE, IMAGE_SIZE)."""
    batch = np.zeros((len(file_names), IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    for i, name in enumerate(file_names):
        with Image.open(os.path.join(DATA, split, name)) as image:
            image.draft("RGB", (IMAGE_SIZE, IMAGE_SIZE))  # decode large JPEGs at a reduced size
            batch[i] = np.asarray(image.convert("RGB").resize((IMAGE_SIZE, IMAGE_SIZE)))
    return torch.from_numpy(batch).permute(0, 3, 1, 2).contiguous()


def to_input(images):
    return images.float() / 127.5 - 1.0


class EncoderCNN(nn.Module):
    def __init__(self, embed_size):
        super().__init__()

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))

        self.features = nn.Sequential(block(3, 16), block(16, 32), block(32, 64))
        self.linear = nn.Linear(64 * (IMAGE_SIZE // 8) ** 2, embed_size)
        self.bn = nn.BatchNorm1d(embed_size, momentum=0.01)

    def forward(self, images):
        return self.bn(self.linear(self.features(images).flatten(1)))


class DecoderRNN(nn.Module):
    def __init__(self, embed_size, hidden_size, vocab_size, num_layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_size)
        # Each step sees the image features next to the previous word, so the picture is not forgotten.
        self.lstm = nn.LSTM(2 * embed_size, hidden_size, num_layers, batch_first=True)
        self.linear = nn.Linear(hidden_size, vocab_size)

    def forward(self, features, captions, lengths):
        """The image features are the first input step; then the caption's words (teacher forcing)."""
        words = torch.cat((features.unsqueeze(1), self.embed(captions)), 1)
        inputs = torch.cat((words, features.unsqueeze(1).expand_as(words)), 2)
        hiddens, _ = self.lstm(pack_padded_sequence(inputs, lengths, batch_first=True))
        return self.linear(hiddens.data)

    def sample(self, features, max_length=MAX_LENGTH):
        """Greedy decoding for a batch of image features: word ids (batch, max_length)."""
        image = features.unsqueeze(1)
        inputs, states, sampled = torch.cat((image, image), 2), None, []
        for _ in range(max_length):
            hiddens, states = self.lstm(inputs, states)
            predicted = self.linear(hiddens.squeeze(1)).argmax(1)
            sampled.append(predicted)
            inputs = torch.cat((self.embed(predicted).unsqueeze(1), image), 2)
        return torch.stack(sampled, 1)


def make_batch(vocab, captions):
    """Targets <SOS> words <EOS>, sorted by decreasing length as packing needs; returns the order too."""
    encoded = [[1, *vocab.numericalize(c), 2] for c in captions]
    order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
    lengths = [len(encoded[i]) for i in order]
    targets = torch.zeros(len(encoded), lengths[0], dtype=torch.long)
    for row, i in enumerate(order):
        targets[row, : lengths[row]] = torch.tensor(encoded[i])
    return order, targets, lengths


def train(encoder, decoder, vocab, images, anns):
    params = list(encoder.parameters()) + list(decoder.parameters())
    optimizer = torch.optim.Adam(params, lr=LEARNING_RATE)
    criterion = nn.CrossEntropyLoss()
    steps = (len(images) + BATCH_SIZE - 1) // BATCH_SIZE
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, LEARNING_RATE, total_steps=EPOCHS * steps)
    for epoch in range(EPOCHS):
        encoder.train()
        decoder.train()
        permutation, total = torch.randperm(len(images)), 0.0
        for step in range(steps):
            batch = permutation[step * BATCH_SIZE : (step + 1) * BATCH_SIZE].tolist()
            # One of the image's reference captions at random, as the original did.
            order, targets, lengths = make_batch(vocab, [random.choice(anns[i])["caption"] for i in batch])
            features = encoder(to_input(images[[batch[i] for i in order]]))
            # The prediction at step t is the word at t + 1; the first input is the image.
            outputs = decoder(features, targets[:, :-1], lengths)
            loss = criterion(outputs, pack_padded_sequence(targets, lengths, batch_first=True).data)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item()
        print(f"epoch {epoch + 1}/{EPOCHS} loss {total / steps:.4f}", flush=True)


def caption_images(encoder, decoder, vocab, images):
    encoder.eval()
    decoder.eval()
    captions = []
    with torch.no_grad():
        for start in range(0, len(images), 256):
            ids = decoder.sample(encoder(to_input(images[start : start + 256])))
            captions.extend(vocab.detokenize(row.tolist()) for row in ids)
    return captions


def main():
    set_seed()
    # Read on this thread: pyarrow's reader threads now and then abort Python at exit (apache/arrow#34314).
    train_df = pd.read_parquet(os.path.join(DATA, "train_images.parquet"), use_threads=False, pre_buffer=False)
    test_df = pd.read_parquet(os.path.join(DATA, "test_images.parquet"), use_threads=False, pre_buffer=False)
    vocab = Vocabulary(FREQ_THRESHOLD)
    vocab.build_vocabulary(ann["caption"] for anns in train_df["anns"] for ann in anns)
    print(f"{len(train_df)} training images, vocabulary of {len(vocab)} words", flush=True)
    encoder, decoder = EncoderCNN(EMBED_SIZE), DecoderRNN(EMBED_SIZE, HIDDEN_SIZE, len(vocab))
    train(encoder, decoder, vocab, load_images("train", train_df["file_name"]), list(train_df["anns"]))
    captions = caption_images(encoder, decoder, vocab, load_images("test", test_df["file_name"]))
    pd.DataFrame({"image_id": test_df["id"], "caption": captions}).to_csv("submission.csv", index=False)
    print("Submission file 'submission.csv' has been created.")


if __name__ == "__main__":
    main()
