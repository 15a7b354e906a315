"""Scores the model left in the workspace (model.pt, model_config.pt, the Model class of baseline.py) by its
next-token cross-entropy on the validation shard, in nats per token (lower is better).

The model runs in the agent's own process (through mlgym_eval), which never sees the validation shard; it only
returns log-probabilities for the token sequences sent to it, and this script computes the loss from them. Spot
checks make sure the numbers are a causal model's: at randomly drawn positions the full distribution is asked for
again with the sequence cut just after that position (and a wrong next token), and it must be normalised and give
the target the log-probability reported before; a model that looks at later tokens fails them.
"""
import base64
import glob
import json
import math
import os
import random
import sys

import numpy as np
from mlgym_eval import AgentCodeError, agent_function

SEQ = 1024
VAL_TOKENS = 10_485_760
BATCH = 8
CHECKS = 16
TOLERANCE = 0.05
MAGIC, VERSION = 20240520, 1


def fail(message):
    print(f"Evaluation failed: {message}")
    sys.exit(1)


def load_shard(path):
    header = np.fromfile(path, dtype=np.int32, count=256)
    if len(header) != 256 or header[0] != MAGIC or header[1] != VERSION:
        raise SystemExit(f"{path} is not a token shard")
    tokens = np.fromfile(path, dtype=np.uint16, offset=256 * 4)
    if len(tokens) != header[2]:
        raise SystemExit(f"{path} holds {len(tokens)} tokens, its header says {header[2]}")
    return tokens


def floats(reply, count, what):
    try:
        values = np.frombuffer(base64.b64decode(reply, validate=True), dtype=np.float32)
    except (TypeError, ValueError):
        fail(f"the model's {what} could not be read")
    if len(values) != count:
        fail(f"the model returned {len(values)} values for {what}, {count} expected")
    if not np.all(np.isfinite(values)):
        fail(f"the model returned a NaN or infinite log-probability for {what}")
    return values.astype(np.float64)


def main():
    tokens = np.concatenate([load_shard(p) for p in sorted(glob.glob("data/fineweb10B/fineweb_val_*.bin"))])
    count = min(VAL_TOKENS, len(tokens) - 1) // SEQ
    inputs = tokens[: count * SEQ].astype(np.int64).reshape(count, SEQ)
    targets = tokens[1 : count * SEQ + 1].astype(np.int64).reshape(count, SEQ)
    try:
        size = agent_function("mlgym_eval.lm_agent", "file_size")
        for name in ("model.pt", "model_config.pt"):
            if size(name) < 0:
                fail(f"no {name} in the workspace: save the state dict to model.pt and the ModelConfig to model_config.pt")
        token_log_probs = agent_function("mlgym_eval.lm_agent", "token_log_probs")
        reported = np.empty((count, SEQ))
        for start in range(0, count, BATCH):
            rows = slice(start, min(start + BATCH, count))
            n = rows.stop - rows.start
            values = floats(token_log_probs(inputs[rows], targets[rows]), n * SEQ, "a batch").reshape(n, SEQ)
            if values.max() > 1e-4:
                fail("the model returned a log-probability above 0")
            reported[rows] = values
        last_distribution = agent_function("mlgym_eval.lm_agent", "last_distribution")
        seed = os.environ.get("MLGYM_EVAL_SEED")
        rng = random.Random(f"lm-checks:{seed}" if seed else None)
        vocab = int(tokens.max()) + 1
        for _ in range(CHECKS):
            row, at = rng.randrange(count), rng.randrange(SEQ)
            wrong = (int(targets[row, at]) + 1 + rng.randrange(vocab - 1)) % vocab
            cut_targets = np.concatenate([targets[row, :at], [wrong]])
            reply = last_distribution(inputs[row, : at + 1], cut_targets)
            try:
                width = len(base64.b64decode(reply, validate=True)) // 4
            except (TypeError, ValueError):
                fail("the model's distribution could not be read")
            if width < vocab:
                fail(f"the model's vocabulary has {width} entries; the data has token ids up to {vocab - 1}")
            dist = floats(reply, width, "a distribution")
            total = float(np.logaddexp.reduce(dist))
            if abs(total) > 1e-3:
                fail(f"the model's distribution is not normalised (log of its sum is {total:.4f})")
            again = dist[targets[row, at]]
            if abs(again - reported[row, at]) > TOLERANCE:
                fail(
                    f"at position {at} of a sequence the model gave the next token log-probability {reported[row, at]:.4f} "
                    f"with the whole sequence but {again:.4f} with the sequence cut after that position: its "
                    "predictions depend on later tokens (a language model must be causal)"
                )
    except AgentCodeError as error:
        fail(error.summary)
    val_loss = float(-reported.mean())
    if not math.isfinite(val_loss):
        fail("the loss is not finite")
    print(json.dumps({"val_loss": val_loss}))


if __name__ == "__main__":
    main()
