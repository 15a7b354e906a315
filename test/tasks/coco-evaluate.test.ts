import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type HostWorkspace, hostWorkspace, parseMetrics } from "./workspace.js";

// imageCaptioningCOCO's trusted evaluation, run directly with the managed runtime in a host copy of the workspace
// (small-scale data from prepare.py). The score comes from the captions and the hidden references only.

const METRIC = "BLEU Score";

describe("imageCaptioningCOCO evaluation", () => {
  let ws: HostWorkspace;
  /** Test image ids and their hidden reference captions; train captions with their image ids. */
  let refs: { id: number; captions: string[] }[];
  let train: { id: number; caption: string }[];

  const py = (code: string) => {
    const r = ws.python(["-c", code]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const writeSubmission = (rows: (string | number)[][], header = "image_id,caption") =>
    writeFileSync(
      join(ws.dir, "submission.csv"),
      [header, ...rows.map((cells) => cells.map((c) => JSON.stringify(String(c))).join(","))].join("\n"),
    );
  const score = () => {
    const r = ws.evaluate();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return parseMetrics(r.stdout)[METRIC]!;
  };
  const rejected = (message: RegExp) => {
    const r = ws.evaluate();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^Evaluation failed: /m);
    assert.match(r.stdout, message);
  };

  before(async () => {
    ws = await hostWorkspace("imageCaptioningCOCO");
    refs = JSON.parse(
      py(`import json, pandas as pd
t = pd.read_parquet("data/test_references.parquet", use_threads=False, pre_buffer=False)
print(json.dumps([{"id": int(i), "captions": [a["caption"] for a in anns]} for i, anns in zip(t["id"], t["anns"])]))`),
    );
    train = JSON.parse(
      py(`import json, pandas as pd
t = pd.read_parquet("data/train_images.parquet", use_threads=False, pre_buffer=False)
print(json.dumps([{"id": int(i), "caption": a["caption"]} for i, anns in zip(t["id"], t["anns"]) for a in anns]))`),
    );
  });
  after(() => ws?.dispose());

  test("the BLEU of evaluate.py gives NLTK's documented sentence_bleu values", () => {
    // The example of NLTK's sentence_bleu docstring (0.5045666840058485 there), one with no 4-gram overlap (about 0,
    // as NLTK without smoothing), an exact match (1) and a short hypothesis under the brevity penalty.
    const out = py(`import evaluate as e
r1 = "It is a guide to action that ensures that the military will forever heed Party commands".split()
r2 = "It is the guiding principle which guarantees the military forces always being under the command of the Party".split()
r3 = "It is the practical guide for the army always to heed the directions of the party".split()
h1 = "It is a guide to action which ensures that the military always obeys the commands of the party".split()
print(repr(e.sentence_bleu([r1, r2, r3], h1)))
print(repr(e.sentence_bleu([["a", "red", "circle", "on", "white"]], ["a", "red", "square", "on", "black"])))
print(repr(e.sentence_bleu([["a", "b", "c", "d"], ["x"]], ["a", "b", "c", "d"])))
print(repr(e.sentence_bleu([["a", "b", "c", "d", "e", "f"]], ["a", "b", "c", "d", "e"])))`);
    const [doc, noFourGram, exact, brevity] = out.trim().split("\n").map(Number);
    assert.equal(doc, 0.5045666840058485);
    assert.ok(noFourGram! < 1e-70, String(noFourGram));
    assert.equal(exact, 1);
    // All n-gram precisions are 1; the penalty is exp(1 - 6/5).
    assert.ok(Math.abs(brevity! - Math.exp(1 - 6 / 5)) < 1e-15, String(brevity));
  });

  test("matches nltk.translate.bleu_score.sentence_bleu on random sentences where NLTK is installed", (t) => {
    const probe = ws.python(["-c", "import nltk"]);
    if (probe.code !== 0) return t.skip("nltk is not in the managed runtime");
    const out = py(`import random, warnings, evaluate as e
from nltk.translate.bleu_score import sentence_bleu
warnings.simplefilter("ignore")
rng = random.Random(7); words = "a the red blue circle square on of in white black small".split()
diff = 0
for _ in range(2000):
    refs = [[rng.choice(words) for _ in range(rng.randint(1, 12))] for _ in range(rng.randint(1, 5))]
    hyp = [rng.choice(words) for _ in range(rng.randint(0, 14))]
    diff = max(diff, abs(e.sentence_bleu(refs, hyp) - sentence_bleu(refs, hyp)))
print(diff)`);
    assert.equal(Number(out.trim()), 0);
  });

  test("one of each image's own references scores 1; the constant sample caption scores far less", () => {
    writeSubmission(refs.map((r, i) => [r.id, r.captions[i % r.captions.length]!]));
    assert.equal(score(), 1);
    const r = ws.evaluate(["--submission_file", "sample_submission.csv"]);
    assert.equal(r.code, 0, r.stdout);
    const sample = parseMetrics(r.stdout)[METRIC]!;
    assert.ok(sample > 0.05 && sample < 0.3, String(sample));
  });

  test("a bleu_score column of 1.0 forges nothing: the captions alone decide the score", () => {
    const caption = "a small red circle on a white background";
    writeSubmission(refs.map((r) => [r.id, caption]));
    const honest = score();
    writeSubmission(
      refs.map((r) => [r.id, caption, "1.0"]),
      "image_id,caption,bleu_score",
    );
    assert.equal(score(), honest);
    assert.ok(honest < 0.5, String(honest));
    // The original's submission format (only the self-reported column) is rejected, saying why.
    writeSubmission(
      refs.map(() => ["1.0"]),
      "bleu_score",
    );
    rejected(
      /needs the columns image_id and caption.*missing: image_id, caption \(a bleu_score column is not read/,
    );
  });

  test("captions copied from the visible training references of other images do not score as perfect", () => {
    // Every test image gets the caption of a different training image (the references the agent can read).
    writeSubmission(refs.map((r, i) => [r.id, train[(i * 37) % train.length]!.caption]));
    const copied = score();
    assert.ok(copied < 0.4, `copied training captions scored ${copied}`);
  });

  test("an absurdly long caption, duplicate, missing and unknown ids are rejected with a clear message", () => {
    const good = refs.map((r) => [r.id, r.captions[0]!]);
    writeSubmission([
      [refs[0]!.id, `${refs[0]!.captions[0]!} ${"and a circle ".repeat(40)}`],
      ...good.slice(1),
    ]);
    rejected(
      new RegExp(`the caption of image_id ${refs[0]!.id} has \\d+ characters and \\d+ words; at most 1000`),
    );
    writeSubmission([...good, good[3]!]);
    rejected(new RegExp(`image_id ${refs[3]!.id} appears more than once`));
    writeSubmission(good.slice(0, -2));
    rejected(/2 of the 300 test images have no caption \(for example image_id \d+\)/);
    writeSubmission([...good, [train[0]!.id, "a red circle"]]);
    rejected(new RegExp(`image_id ${train[0]!.id} is not a test image`));
    writeSubmission([["abc", "a red circle"], ...good.slice(1)]);
    rejected(/every image_id must be an integer id from data\/test_images\.parquet \(found 'abc'\)/);
  });

  test("the task's malformed submission (the original's format) is rejected", () => {
    ws.copyMalformed();
    rejected(/missing: image_id, caption/);
  });
});
