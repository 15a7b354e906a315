import type { Metrics } from "../config/task-config.js";
import type { TokenLogprobs } from "../trajectory/files.js";
import type { ExportEpisode } from "./episodes.js";
import { stepRewards } from "./evaluations.js";

/** One line of `steps-jsonl`: one step of an episode, for offline RL. */
export interface StepRecord {
  episode_id: string;
  task: string;
  model: string;
  /** 1-based position of the step in the trajectory. */
  step: number;
  /** What the step returned (the action's output), as Gym's `step` returns it. */
  observation: string;
  action: string;
  thought: string;
  /** The model's whole answer, the action's command block included. */
  response: string;
  /** The environment's `improvement` reward for the step (see `stepRewards`); 0 on steps without an evaluation. */
  reward: number;
  /** The step's score minus the best so far (or the baseline), positive = better; null without an evaluation. */
  score_delta: number | null;
  /** The metrics of the step's evaluation (`validate`, or the final one on the last step). */
  metrics?: Metrics;
  done: boolean;
  /** On the last step: how the episode ended. */
  exit_status?: string;
  policy_version?: string;
  logprobs?: TokenLogprobs;
}

/** The steps of an episode as records, with rewards computed from its evaluations. */
export function stepRecords(episode: ExportEpisode): StepRecord[] {
  const steps = episode.trajectory.trajectory;
  const rewards = stepRewards(episode.evaluations, episode.metric, episode.direction, episode.baseline);
  return steps.map((step, i) => {
    const done = i === steps.length - 1;
    const metrics = episode.evaluations[i]?.at(-1);
    return {
      episode_id: episode.episodeId,
      task: episode.task,
      model: episode.model,
      step: i + 1,
      observation: step.observation,
      action: step.action,
      thought: step.thought,
      response: step.response,
      reward: rewards[i]?.reward ?? 0,
      score_delta: rewards[i]?.scoreDelta ?? null,
      ...(metrics ? { metrics } : {}),
      done,
      ...(done ? { exit_status: episode.exitStatus } : {}),
      ...(episode.policyVersion !== undefined ? { policy_version: episode.policyVersion } : {}),
      ...(step.logprobs ? { logprobs: step.logprobs } : {}),
    };
  });
}
