import type { EpisodeSpec } from "../../src/batch/types.js";

/**
 * A planned episode for tests of the batch machinery (no real task or model behind it): run `i` of `model` on `task`,
 * its folder named as the plan names run folders.
 */
export function episodeSpec(
  i: number,
  { model = "m:a", task = "t", ...rest }: Partial<EpisodeSpec> & { model?: string; task?: string } = {},
): EpisodeSpec {
  return {
    key: `k${i}`,
    folder: `${model.replace(/[:/]/g, "-")}__${task}__default__t-0.00__p-0.95__c-0.00__install-0_run_${i}`,
    taskId: task,
    model,
    agentConfigHash: "h",
    temperature: 0,
    topP: 0.95,
    seed: i,
    runIndex: i,
    maxSteps: 5,
    gpusPerRun: 0,
    ...rest,
  };
}
