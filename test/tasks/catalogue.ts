import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The project's tasks folder. */
export const TASKS_DIR = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..", "tasks");

/** The seven CPU-sized tasks of the benchmark, with the original's baseline of their priority metric. */
export const CPU_TASKS = [
  { id: "battleOfSexes", metric: "Score", original: 1.02267, tolerance: 0.02 },
  { id: "prisonersDilemma", metric: "Score", original: 2.37163, tolerance: 0.02 },
  { id: "blotto", metric: "Score", original: -0.24797, tolerance: 0.03 },
  { id: "3SATTime", metric: "Time", original: 16.158, tolerance: 30 },
  { id: "regressionKaggleHousePrice", metric: "r2", original: 0.87999, tolerance: 0.005 },
  { id: "titanicSurvival", metric: "accuracy", original: 0.76555, tolerance: 0.02 },
  { id: "imageClassificationFMnist", metric: "accuracy", original: 0.7835, tolerance: 0.03 },
] as const;

/**
 * The seven tasks that run at their small scale here (offline data of our own, a short training), with their
 * priority metric and the hidden and sample-submission checks that apply.
 */
export const SMALL_SCALE_TASKS = [
  { id: "imageClassificationCifar10", metric: "accuracy", hidden: true, sample: true },
  { id: "imageCaptioningCOCO", metric: "BLEU Score", hidden: true, sample: true },
  { id: "languageModelingFineWeb", metric: "val_loss", hidden: true, sample: false },
  { id: "naturalLanguageInferenceMNLI", metric: "validation_accuracy", hidden: true, sample: false },
  { id: "rlMetaMazeMisc", metric: "Reward Mean", hidden: false, sample: false },
  { id: "rlMountainCarContinuous", metric: "Reward Mean", hidden: false, sample: false },
  { id: "rlBreakoutMinAtar", metric: "Reward Mean", hidden: false, sample: false },
] as const;

export const taskYaml = (id: string) => join(TASKS_DIR, id, "task.yaml");
