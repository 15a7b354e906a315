import type { TaskMeta } from "./task-meta.js";

/**
 * MLGym-Bench v0: the original's 13 tasks in its table order, with the metric that ranks them (reference 3.5).
 * Other tasks reach the report through `--tasks-meta` (or the task registry).
 */
export const TASK_CATALOGUE: ReadonlyMap<string, TaskMeta> = new Map(
  (
    [
      ["regressionKaggleHousePrice", "House Price", "r2", "maximize"],
      ["3SATTime", "3-SAT", "Time", "minimize"],
      ["imageClassificationCifar10", "CIFAR-10", "accuracy", "maximize"],
      ["imageClassificationFMnist", "Fashion MNIST", "accuracy", "maximize"],
      ["imageCaptioningCOCO", "MS-COCO", "BLEU Score", "maximize"],
      ["languageModelingFineWeb", "Language Modeling", "val_loss", "minimize"],
      ["naturalLanguageInferenceMNLI", "MNLI", "validation_accuracy", "maximize"],
      ["battleOfSexes", "Battle of Sexes", "Score", "maximize"],
      ["prisonersDilemma", "Prisoners Dilemma", "Score", "maximize"],
      ["blotto", "Blotto", "Score", "maximize"],
      ["rlBreakoutMinAtar", "Breakout", "Reward Mean", "maximize"],
      ["rlMetaMazeMisc", "Meta Maze", "Reward Mean", "maximize"],
      ["rlMountainCarContinuous", "Mountain Car Continuous", "Reward Mean", "maximize"],
    ] as const
  ).map(([id, displayName, priorityMetric, direction]) => [
    id,
    { id, displayName, priorityMetric, direction },
  ]),
);

/**
 * τmax of the benchmark's performance profiles: the paper's range for MLGym-Bench (`τ ∈ [0, 1.5]`, what the
 * original's rule gives on its twelve models' runs). Fixed, so the AUPs of two reports over different runs are
 * comparable; the original derives it from each run set (`--tau-max auto`), so its AUPs shift from report to
 * report. `--tau-max` sets another range for another task set.
 */
export const BENCHMARK_TAU_MAX = 1.5;

/**
 * The original's model order (`MODELS` in its analysis code). Table columns list known models in this order,
 * then any other model alphabetically.
 */
export const KNOWN_MODELS: readonly string[] = [
  "gpt4o2",
  "gpt-o3-mini",
  "gpt-o1",
  "deepseek-r1",
  "llama3-405b-tools",
  "llama4-17b-16",
  "llama4-17b-128",
  "claude-35-sonnet-new",
  "claude-37-sonnet",
  "gemini-15-pro",
  "gemini-20-flash-thinking",
  "gemini-25-pro",
];

/** Orders model names: those in {@link KNOWN_MODELS} in that order, then the rest sorted by code point. */
export function orderModels(models: Iterable<string>): string[] {
  const unique = [...new Set(models)];
  const known = KNOWN_MODELS.filter((m) => unique.includes(m));
  const other = unique.filter((m) => !KNOWN_MODELS.includes(m)).sort();
  return [...known, ...other];
}
