import { existsSync } from "node:fs";
import { test } from "node:test";
import { make } from "../../src/env/make.js";
import { say, scriptedEpisodeSubmits } from "../helpers/episodes.js";
import { CPU_TASKS } from "./catalogue.js";

// One scripted episode per task: the agent inspects the workspace, produces a submission the cheap way and
// submits; the episode must end `submitted` with a score of the task's priority metric.

const SCRIPTS: Record<string, string[]> = {
  battleOfSexes: [say("ls"), say("validate"), say("submit")],
  prisonersDilemma: [say("ls"), say("validate"), say("submit")],
  blotto: [say("ls"), say("validate"), say("submit")],
  "3SATTime": [say("ls data"), say("submit")],
  regressionKaggleHousePrice: [say("python baseline.py"), say("validate"), say("submit")],
  titanicSurvival: [say("python baseline.py"), say("submit")],
  // Training takes minutes on a CPU: the episode submits the sample's format instead.
  imageClassificationFMnist: [say("cp sample_submission.csv submission.csv"), say("submit")],
};

const fmnistOffline =
  existsSync("/usr/share/datasets/fashion-mnist") || Boolean(process.env.MLGYM_FASHION_MNIST_DIR);

for (const { id, metric } of CPU_TASKS) {
  const skip = id === "imageClassificationFMnist" && !fmnistOffline ? "no offline Fashion-MNIST" : false;
  test(`a scripted episode on ${id} ends submitted with a score`, { skip, timeout: 600_000 }, async () => {
    await scriptedEpisodeSubmits(make(id, { maxSteps: 10 }), id, SCRIPTS[id]!, metric);
  });
}
