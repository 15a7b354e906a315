"""Baseline: a small GPT trained on the FineWeb token shards (in the spirit of the original's modded-nanoGPT run).

Run with `python baseline.py` (CPU or one GPU) or `torchrun --standalone --nproc_per_node=<gpus> baseline.py`.
On a GPU it trains the original's configuration (GPT-2 small sized, 500 iterations); without one, a tiny model for a
minute or two. It leaves `model.pt` (the state dict) and `model_config.pt` (the pickled ModelConfig) in the working
directory: the evaluation builds `Model(ModelConfig)` from this file, loads them and calls
`model(inputs, targets, return_logits=True)`, using only the logits it returns (batch x length x vocab).
"""
import glob
import math
import os
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

MAGIC, VERSION = 20240520, 1


@dataclass
class ModelConfig:
    vocab_size: int = 50304
    n_layer: int = 12
    n_head: int = 6
    n_embd: int = 768
    block_size: int = 1024


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.ln1 = nn.LayerNorm(config.n_embd)
        self.qkv = nn.Linear(config.n_embd, 3 * config.n_embd, bias=False)
        self.proj = nn.Linear(config.n_embd, config.n_embd, bias=False)
        self.ln2 = nn.LayerNorm(config.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(config.n_embd, 4 * config.n_embd, bias=False),
            nn.GELU(),
            nn.Linear(4 * config.n_embd, config.n_embd, bias=False),
        )

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).contiguous().view(b, t, c))
        return x + self.mlp(self.ln2(x))


class Model(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)

    def forward(self, idx, targets=None, return_logits=True):
        positions = torch.arange(idx.shape[1], device=idx.device)
        x = self.wte(idx) + self.wpe(positions)
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x)).float()
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))
        return (logits if return_logits else None), loss


def load_tokens(path):
    header = np.fromfile(path, dtype=np.int32, count=256)
    if header[0] != MAGIC or header[1] != VERSION:
        raise ValueError(f"{path} is not a token shard (magic {header[0]}, version {header[1]})")
    tokens = np.fromfile(path, dtype=np.uint16, offset=256 * 4)
    if len(tokens) != header[2]:
        raise ValueError(f"{path} holds {len(tokens)} tokens, its header says {header[2]}")
    return tokens


class Loader:
    """Consecutive (inputs, targets) batches from the shards; each process reads its own stretch."""

    def __init__(self, pattern, batch, seq, rank, world):
        self.files = sorted(glob.glob(pattern))
        if not self.files:
            raise FileNotFoundError(f"no shards match {pattern}")
        self.batch, self.seq, self.rank, self.world = batch, seq, rank, world
        self.shard, self.tokens = 0, load_tokens(self.files[0])
        self.at = rank * batch * seq

    def next(self):
        span = self.batch * self.seq
        if self.at + span + 1 > len(self.tokens):
            self.shard = (self.shard + 1) % len(self.files)
            self.tokens, self.at = load_tokens(self.files[self.shard]), self.rank * span
        chunk = torch.from_numpy(self.tokens[self.at : self.at + span + 1].astype(np.int64))
        self.at += span * self.world
        return chunk[:-1].view(self.batch, self.seq), chunk[1:].view(self.batch, self.seq)


def main():
    distributed = "RANK" in os.environ
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    cuda = torch.cuda.is_available()
    device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if cuda else "cpu"
    if cuda:
        torch.cuda.set_device(device)
        config, batch, seq, iters, lr = ModelConfig(), 64, 1024, 500, 6e-4
    else:
        # The tiny model gains little from more threads, and one keeps the run repeatable.
        torch.set_num_threads(1)
        config, batch, seq, iters, lr = ModelConfig(vocab_size=1024, n_layer=2, n_head=2, n_embd=64), 2, 1024, 250, 3e-3
    torch.manual_seed(0)
    model = Model(config).to(device)
    ddp = nn.parallel.DistributedDataParallel(model, device_ids=[device] if cuda else None) if distributed else model
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.0)
    loader = Loader("data/fineweb10B/fineweb_train_*.bin", batch, seq, rank, world)
    warmup = iters // 20
    start = time.time()
    for step in range(iters):
        scale = min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / iters))
        for group in optimizer.param_groups:
            group["lr"] = lr * scale
        x, y = (t.to(device) for t in loader.next())
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=cuda):
            _, loss = ddp(x, y, return_logits=False)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if rank == 0 and (step % 100 == 0 or step == iters - 1):
            print(f"step {step + 1}/{iters} train loss {loss.item():.4f} ({time.time() - start:.0f} s)")
    if rank == 0:
        torch.save(model.state_dict(), "model.pt")
        torch.save(config, "model_config.pt")
    if distributed:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
