"""Baseline: fine-tunes a BERT model for natural language inference on the MultiNLI training pairs and saves it to
`bert_mnli_model/` with `save_pretrained` (config.json + model.safetensors), which the evaluation loads.

It starts from `data/pretrained/` (bert-base-uncased at full scale; at the small scale a tiny configuration without
pretrained weights, trained from scratch). Labels: 0 entailment, 1 neutral, 2 contradiction.
"""
import os
import time
from pathlib import Path

import pandas as pd
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

PRETRAINED = Path("data/pretrained")


def batches(frame, tokenizer, size, max_length, shuffle, generator):
    order = torch.randperm(len(frame), generator=generator) if shuffle else torch.arange(len(frame))
    for start in range(0, len(frame), size):
        rows = frame.iloc[order[start : start + size].tolist()]
        encoded = tokenizer(list(rows["premise"]), list(rows["hypothesis"]), padding=True, truncation=True,
                            max_length=max_length, return_tensors="pt")
        yield encoded, torch.tensor(rows["label"].to_numpy(), dtype=torch.long)


def main():
    if int(os.environ.get("RANK", "0")) != 0:
        return  # started by torchrun on several GPUs: this simple baseline trains on the first one only
    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    if not cuda:
        torch.set_num_threads(1)
    torch.manual_seed(0)
    tokenizer = BertTokenizerFast(vocab_file=str(PRETRAINED / "vocab.txt"), do_lower_case=True)
    if (PRETRAINED / "model.safetensors").exists():
        model = BertForSequenceClassification.from_pretrained(PRETRAINED, num_labels=3)
        epochs, lr, size, max_length = 1, 2e-5, 32, 128
    else:
        model = BertForSequenceClassification(BertConfig.from_pretrained(PRETRAINED, num_labels=3))
        epochs, lr, size, max_length = 3, 1e-3, 32, 64
    model.to(device)
    # Read on this thread: pyarrow's reader threads now and then abort Python at exit (apache/arrow#34314).
    train = pd.read_parquet(
        "data/train.parquet", columns=["premise", "hypothesis", "label"], use_threads=False, pre_buffer=False
    )
    train = train[train["label"].between(0, 2)]
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(0)
    start = time.time()
    model.train()
    for epoch in range(epochs):
        for step, (encoded, labels) in enumerate(batches(train, tokenizer, size, max_length, True, generator)):
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=cuda):
                loss = model(**encoded.to(device), labels=labels.to(device)).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if step % 100 == 0:
                print(f"epoch {epoch + 1} step {step} loss {loss.item():.4f} ({time.time() - start:.0f} s)")
    model.save_pretrained("bert_mnli_model")
    print(f"saved bert_mnli_model/ ({os.path.getsize('bert_mnli_model/model.safetensors')} bytes of weights)")


if __name__ == "__main__":
    main()
