import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { MLGymEnv } from "../../src/env/env.js";
import { make } from "../../src/env/make.js";
import { hostWorkspace } from "./workspace.js";

const TASK = "languageModelingFineWeb";

/** An untrained tiny model of the starter's class: what every attack below starts from. */
const MAKE_MODEL = `import torch
from baseline import Model, ModelConfig
torch.manual_seed(0)
config = ModelConfig(vocab_size=1024, n_layer=1, n_head=2, n_embd=32)
torch.save(Model(config).state_dict(), "model.pt")
torch.save(config, "model_config.pt")
`;

/** The original's evaluation took the loss the model returned: this one returns 0 and no logits. */
const HARD_CODED_LOSS = `import torch
from honest import Model as Honest, ModelConfig
class Model(Honest):
    def forward(self, idx, targets=None, return_logits=True):
        return None, torch.tensor(0.0)
`;

/** Non-causal: all mass on the next token, taken from the targets (or from the input one position ahead). */
const PEEKS_AHEAD = `import torch
from honest import Model as Honest, ModelConfig
class Model(Honest):
    def forward(self, idx, targets=None, return_logits=True):
        logits = torch.full((*idx.shape, self.config.vocab_size), -30.0)
        logits.scatter_(-1, targets.unsqueeze(-1), 30.0)
        return logits, torch.tensor(0.0)
`;

/** Replaces torch.log_softmax in its process so that every log-probability reads 0 (a loss of 0). */
const PATCHES_LOG_SOFTMAX = `import torch
from honest import Model, ModelConfig
torch.log_softmax = lambda x, dim=-1, **kw: torch.zeros_like(x)
torch.Tensor.log_softmax = lambda self, dim=-1, **kw: torch.zeros_like(self)
`;

/**
 * Patches what an evaluation might compute with (numpy, cross_entropy, print) and, where it can read the
 * validation shard, predicts every next token from it: a causal "model" that knows the answers.
 */
const MEMORIZES_VALIDATION = `import builtins
import numpy as np
import torch
import torch.nn.functional as F
from honest import Model as Honest, ModelConfig
F.cross_entropy = lambda *a, **k: torch.tensor(0.0)
np.mean = lambda *a, **k: 0.0
builtins.print = lambda *a, **k: None
try:
    VAL = np.fromfile("data/fineweb10B/fineweb_val_000000.bin", dtype=np.uint16, offset=1024).astype(np.int64)
except OSError:
    VAL = None
STARTS = [] if VAL is None else list(range(0, len(VAL) - 1024, 1024))
def find(tokens):
    m = min(16, len(tokens))
    return next((s for s in STARTS if np.array_equal(VAL[s : s + m], tokens[:m])), None)
class Model(Honest):
    def forward(self, idx, targets=None, return_logits=True):
        logits, _ = super().forward(idx, targets)
        for b in range(idx.shape[0]):
            start = find(idx[b].cpu().numpy())
            if start is not None:
                length = idx.shape[1]
                following = torch.as_tensor(VAL[start + 1 : start + 1 + length])
                logits[b] = -30.0
                logits[b, torch.arange(length), following] = 30.0
        return logits, torch.tensor(0.0)
`;

describe("languageModelingFineWeb: the evaluation computes the loss itself", { timeout: 1_800_000 }, () => {
  let env: MLGymEnv;
  let honest: number;

  async function put(name: string, content: string): Promise<void> {
    await env.sandbox.writeFile(`${env.sandbox.workspace}/${name}`, content);
  }

  async function validate(): Promise<{ score: number | undefined; observation: string }> {
    const step = await env.step("validate");
    return { score: step.info.metrics?.val_loss, observation: step.observation };
  }

  before(async () => {
    env = make(TASK);
    await env.reset({ seed: 3 });
    const baseline = await env.sandbox.readFile(`${env.sandbox.workspace}/baseline.py`);
    await put("honest.py", baseline.toString());
    await put("make_model.py", MAKE_MODEL);
    const made = await env.step("python make_model.py && ls model.pt model_config.pt");
    assert.match(made.observation, /model_config\.pt/);
    const first = await validate();
    assert.equal(typeof first.score, "number", first.observation);
    honest = first.score!;
  });

  after(async () => {
    await env?.close();
  });

  test("an untrained model scores about ln(vocabulary), computed by the evaluation", () => {
    assert.ok(Math.abs(honest - Math.log(1024)) < 0.5, `val_loss ${honest}`);
  });

  test("a model that returns a hard-coded loss and no logits gets no score", async () => {
    await put("baseline.py", HARD_CODED_LOSS);
    const { score, observation } = await validate();
    assert.equal(score, undefined, observation);
    assert.match(observation, /Evaluation failed: .*logits/);
  });

  test("a model that looks at the next token fails the causality check", async () => {
    await put("baseline.py", PEEKS_AHEAD);
    const { score, observation } = await validate();
    assert.equal(score, undefined, observation);
    assert.match(observation, /must be causal/);
  });

  test("patching log_softmax in the model's process fails the normalisation check", async () => {
    await put("baseline.py", PATCHES_LOG_SOFTMAX);
    const { score, observation } = await validate();
    assert.equal(score, undefined, observation);
    assert.match(observation, /not normalised/);
  });

  test("patches of the evaluation's functions and the hidden shard change nothing: the honest score", async (t) => {
    if (!env.sandbox.isolated) t.skip("the local sandbox does not hide files");
    await put("baseline.py", MEMORIZES_VALIDATION);
    const { score, observation } = await validate();
    assert.equal(typeof score, "number", observation);
    assert.ok(Math.abs(score! - honest) < 1e-6, `memorizer scored ${score}, honest model ${honest}`);
  });

  test("the same memorizer, where the shard is readable, would score near 0 (the attack is real)", async () => {
    const ws = await hostWorkspace(TASK);
    try {
      writeFileSync(join(ws.dir, "honest.py"), readFileSync(join(ws.dir, "baseline.py")));
      writeFileSync(join(ws.dir, "make_model.py"), MAKE_MODEL);
      assert.equal(ws.python(["make_model.py"]).code, 0);
      writeFileSync(join(ws.dir, "baseline.py"), MEMORIZES_VALIDATION);
      // A fixed seed fixes the spot checks (a prefix of 1 or 2 tokens could be ambiguous for this memorizer).
      const seed = process.env.MLGYM_EVAL_SEED;
      process.env.MLGYM_EVAL_SEED = "1";
      const run = ws.evaluate([], { timeoutMs: 600_000 });
      if (seed === undefined) delete process.env.MLGYM_EVAL_SEED;
      else process.env.MLGYM_EVAL_SEED = seed;
      const line = run.stdout.split("\n").find((l) => l.startsWith("{"));
      assert.ok(line, run.stdout + run.stderr);
      const forged = (JSON.parse(line) as { val_loss: number }).val_loss;
      assert.ok(forged < 0.1, `the memorizer scored ${forged} with the shard in reach`);
    } finally {
      ws.dispose();
    }
  });
});
