import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { MLGymEnv } from "../../src/env/env.js";
import { make } from "../../src/env/make.js";

const TASK = "naturalLanguageInferenceMNLI";
const FORGED = '{"validation_accuracy": 100.0}';

/** An untrained tiny BERT for the task's vocabulary, saved as the task asks. */
const MAKE_MODEL = `import torch
from transformers import BertConfig, BertForSequenceClassification
torch.manual_seed(0)
model = BertForSequenceClassification(BertConfig.from_pretrained("data/pretrained", num_labels=3))
model.save_pretrained("bert_mnli_model")
`;

/** Points the config at custom model code that prints a forged score when it is imported. */
const REMOTE_CODE = `import json
path = "bert_mnli_model/config.json"
config = json.load(open(path))
config["auto_map"] = {"AutoModelForSequenceClassification": "evil.EvilModel", "AutoConfig": "evil.EvilConfig"}
config["architectures"] = ["EvilModel"]
json.dump(config, open(path, "w"))
forged = '${FORGED}'
open("bert_mnli_model/evil.py", "w").write(f"print({forged!r})\\nEvilModel = EvilConfig = None\\n")
`;

/** Weights as a pickle whose loading prints a forged score, instead of safetensors. */
const PICKLED_WEIGHTS = `import os, pickle
class Payload:
    def __reduce__(self):
        return (print, ('${FORGED}',))
os.remove("bert_mnli_model/model.safetensors")
open("bert_mnli_model/pytorch_model.bin", "wb").write(pickle.dumps(Payload()))
`;

describe("naturalLanguageInferenceMNLI: the evaluation loads the model with its own code", {
  timeout: 1_200_000,
}, () => {
  let env: MLGymEnv;
  let honest: number;

  async function run(script: string): Promise<void> {
    await env.sandbox.writeFile(`${env.sandbox.workspace}/step.py`, script);
    const step = await env.step("python step.py && echo STEP-OK");
    assert.match(step.observation, /STEP-OK/, step.observation);
  }

  async function validate(): Promise<{ score: number | undefined; observation: string }> {
    const step = await env.step("validate");
    return { score: step.info.metrics?.validation_accuracy, observation: step.observation };
  }

  before(async () => {
    env = make(TASK);
    await env.reset({ seed: 5 });
    await run(MAKE_MODEL);
    const first = await validate();
    assert.equal(typeof first.score, "number", first.observation);
    honest = first.score!;
  });

  after(async () => {
    await env?.close();
  });

  test("an untrained model scores near chance (three balanced labels)", () => {
    assert.ok(honest > 20 && honest < 50, `validation_accuracy ${honest}`);
  });

  test("custom model code named by the config is never run: the weights score as before", async () => {
    await run(REMOTE_CODE);
    const { score, observation } = await validate();
    assert.equal(score, honest, observation);
  });

  test("pickled weights are refused, not loaded", async () => {
    await run(PICKLED_WEIGHTS);
    const { score, observation } = await validate();
    assert.equal(score, undefined, observation);
    assert.match(observation, /no bert_mnli_model\/model\.safetensors/);
    assert.doesNotMatch(observation, /100\.0/);
  });
});
