"""Scores the model in `bert_mnli_model/` (saved with `save_pretrained`: config.json + model.safetensors) by its
accuracy, in percent, on the hidden matched validation pairs.

The evaluation takes only the model's files from the workspace (read for it in the agent's own process, through
mlgym_eval) and loads them with its own code: the configuration as a BertConfig, the weights with safetensors (no
pickle, no code of the agent's), the tokenizer from `data/pretrained/vocab.txt`. It then predicts every pair
itself and compares with the labels.
"""
import base64
import json
import sys

import pandas as pd
import torch
from mlgym_eval import AgentCodeError, agent_function
from safetensors.torch import load as load_safetensors
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

FOLDER = "bert_mnli_model"
CHUNK = 16 * 1024 * 1024
MAX_WEIGHTS = 4 * 1024**3
MAX_PARAMETERS = 1_000_000_000


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def fetch(name, limit):
    """The bytes of a file of the model folder, read in the agent's process."""
    path = f"{FOLDER}/{name}"
    size = agent_function("mlgym_eval.lm_agent", "file_size")(path)
    if not isinstance(size, int) or size < 0:
        fail(f"no {path} in the workspace: save the model with model.save_pretrained('{FOLDER}')")
    if size > limit:
        fail(f"{path} has {size} bytes, more than the {limit} allowed")
    read = agent_function("mlgym_eval.lm_agent", "read_chunk")
    data = bytearray()
    while len(data) < size:
        reply = read(path, len(data), min(CHUNK, size - len(data)))
        try:
            chunk = base64.b64decode(reply, validate=True)
        except (TypeError, ValueError):
            fail(f"{path} could not be read")
        if not chunk:
            fail(f"{path} ended early")
        data += chunk
    return bytes(data[:size])


def build_model(config_bytes, weight_bytes):
    try:
        values = json.loads(config_bytes)
    except ValueError as error:
        fail(f"{FOLDER}/config.json is not JSON ({error})")
    if not isinstance(values, dict) or values.get("model_type") != "bert":
        fail(f"{FOLDER}/config.json must describe a BERT model (\"model_type\": \"bert\")")
    values = {k: v for k, v in values.items() if k not in ("auto_map", "architectures")}
    try:
        config = BertConfig.from_dict(values)
        size = config.vocab_size * config.hidden_size + config.num_hidden_layers * 12 * config.hidden_size**2
    except (TypeError, ValueError) as error:
        fail(f"{FOLDER}/config.json is not a valid BERT configuration ({error})")
    if config.num_labels != 3:
        fail(f"the model has {config.num_labels} labels; MNLI has 3 (0 entailment, 1 neutral, 2 contradiction)")
    if size > MAX_PARAMETERS:
        fail(f"the configuration describes a model of about {size} parameters, more than {MAX_PARAMETERS}")
    try:
        state = load_safetensors(weight_bytes)
    except Exception as error:
        fail(f"{FOLDER}/model.safetensors could not be read as safetensors ({error})")
    model = BertForSequenceClassification(config)
    buffers = {name for name, _ in model.named_buffers()}
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as error:
        fail(f"the weights do not fit the configuration: {str(error).splitlines()[0]} ...")
    missing = [k for k in missing if k not in buffers]
    if missing or unexpected:
        fail(f"the weights do not fit the configuration (missing {missing[:3]}, unexpected {unexpected[:3]})")
    return model


def main():
    try:
        config_bytes = fetch("config.json", 1024 * 1024)
        weight_bytes = fetch("model.safetensors", MAX_WEIGHTS)
    except AgentCodeError as error:
        fail(error.summary)
    model = build_model(config_bytes, weight_bytes)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device).eval()
    tokenizer = BertTokenizerFast(vocab_file="data/pretrained/vocab.txt", do_lower_case=True)
    # Read on this thread: pyarrow's reader threads now and then abort Python at exit (apache/arrow#34314).
    pairs = pd.read_parquet(
        "data/validation_matched.parquet",
        columns=["premise", "hypothesis", "label"],
        use_threads=False,
        pre_buffer=False,
    )
    pairs = pairs[pairs["label"].between(0, 2)]
    correct = 0
    with torch.no_grad():
        for start in range(0, len(pairs), 64):
            rows = pairs.iloc[start : start + 64]
            encoded = tokenizer(list(rows["premise"]), list(rows["hypothesis"]), padding=True, truncation=True,
                                max_length=min(512, model.config.max_position_embeddings), return_tensors="pt")
            predicted = model(**encoded.to(device)).logits.argmax(dim=-1).cpu()
            correct += int((predicted == torch.tensor(rows["label"].to_numpy())).sum())
    print(json.dumps({"validation_accuracy": 100.0 * correct / len(pairs)}))


if __name__ == "__main__":
    main()
