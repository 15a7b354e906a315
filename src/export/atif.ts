import type { TokenLogprobs } from "../trajectory/files.js";
import { isExitAction, type ReadStep } from "../trajectory/read.js";
import { toolCallId } from "./chat.js";
import type { ExportEpisode } from "./episodes.js";
import { stepRewards } from "./evaluations.js";
import { splitToolCalls } from "./tool-call-text.js";
import { agentToolDefinitions } from "./tool-specs.js";

/** The ATIF version written: that of Harbor's trajectory models the schema in `schemas/` was written from. */
export const ATIF_VERSION = "ATIF-v1.6";

/** The tool a fenced action stands for: every MLGym action is a command in the episode's persistent shell. */
const SHELL_TOOL = "bash";

/** An ATIF step (the fields written here; see `schemas/atif-v1.6.schema.json`). */
export interface AtifStep {
  step_id: number;
  source: "system" | "user" | "agent";
  message: string;
  tool_calls?: Array<{ tool_call_id: string; function_name: string; arguments: Record<string, unknown> }>;
  observation?: { results: Array<{ source_call_id?: string; content: string }> };
  metrics?: {
    logprobs?: number[];
    completion_token_ids?: number[];
    prompt_token_ids?: number[];
    extra?: Record<string, unknown>;
  };
  is_copied_context?: boolean;
  extra?: Record<string, unknown>;
}

/** An ATIF `trajectory.json` document. */
export interface AtifTrajectory {
  schema_version: typeof ATIF_VERSION;
  session_id: string;
  agent: {
    name: string;
    version: string;
    model_name?: string;
    tool_definitions?: Array<Record<string, unknown>>;
    extra?: Record<string, unknown>;
  };
  steps: AtifStep[];
  notes?: string;
  final_metrics?: {
    total_prompt_tokens?: number;
    total_completion_tokens?: number;
    total_cost_usd?: number;
    total_steps?: number;
    extra?: Record<string, unknown>;
  };
  extra?: Record<string, unknown>;
}

const NOTES =
  "Exported by mlgym-ts from an MLGym trajectory. Each agent step holds the model's answer, its action as a tool " +
  "call (a fenced command as `bash`) and the action's raw output; the prompts that carried those outputs back to " +
  "the model (rendered from the agent's templates) are not repeated. Steps that ended the episode without a model " +
  "answer (exit_cost, exit_context, ...) are system steps. extra.evaluation holds the metrics of a step that " +
  "evaluated the submission; extra.reward and extra.score_delta follow `mlgym export --format steps-jsonl`.";

/**
 * An episode as an ATIF trajectory: the system prompt and the task prompt as `system` and `user` steps,
 * demonstrations as copied context, then one `agent` step per trajectory step. Undefined when the trajectory has
 * no step to write (an episode whose sandbox never started).
 */
export function atifTrajectory(episode: ExportEpisode, agentVersion: string): AtifTrajectory | undefined {
  const steps = atifSteps(episode);
  if (steps.length === 0) return undefined;
  const info = episode.trajectory.info;
  const stats = info.model_stats;
  const tools = agentToolDefinitions(episode.agentConfig);
  const usesTools = steps.some((s) => s.tool_calls?.some((c) => c.function_name !== SHELL_TOOL));
  return {
    schema_version: ATIF_VERSION,
    session_id: episode.episodeId,
    agent: {
      name: "mlgym-ts",
      version: agentVersion,
      model_name: episode.model,
      ...(usesTools && tools ? { tool_definitions: tools as unknown as Array<Record<string, unknown>> } : {}),
      ...(episode.agentConfig ? { extra: { agent_config: episode.agentConfig } } : {}),
    },
    steps,
    notes: NOTES,
    final_metrics: {
      total_prompt_tokens: stats.tokens_sent,
      total_completion_tokens: stats.tokens_received,
      total_cost_usd: stats.total_cost,
      total_steps: steps.length,
      extra: { api_calls: stats.api_calls, mlgym_steps: episode.trajectory.trajectory.length },
    },
    extra: {
      task: episode.task,
      model: episode.model,
      ...(episode.modelId ? { model_id: episode.modelId } : {}),
      run: episode.run,
      exit_status: episode.exitStatus,
      metric: episode.metric ?? null,
      direction: episode.direction,
      score: episode.best ?? null,
      baseline: episode.baseline ?? null,
      improvement: episode.improvement ?? null,
      scores: episode.scores,
      ...(episode.baselineMetrics ? { baseline_metrics: episode.baselineMetrics } : {}),
      submission: info.submission,
      ...(episode.policyVersion !== undefined ? { policy_version: episode.policyVersion } : {}),
      ...(info.infrastructure_error ? { infrastructure_error: info.infrastructure_error } : {}),
    },
  };
}

function atifSteps(episode: ExportEpisode): AtifStep[] {
  const { history, trajectory: steps } = episode.trajectory;
  const rewards = stepRewards(episode.evaluations, episode.metric, episode.direction, episode.baseline);
  const out: Array<Omit<AtifStep, "step_id">> = [];
  const stepOf = (i: number) => agentStep(steps[i]!, i, episode.evaluations[i] ?? [], rewards[i]);
  if (history.length === 0) {
    for (let i = 0; i < steps.length; i++) out.push(stepOf(i));
  } else {
    let stepIndex = 0;
    let prompted = false;
    for (const entry of history) {
      if (entry.is_demo) {
        out.push({
          source: entry.role === "assistant" ? "agent" : entry.role,
          message: entry.content,
          is_copied_context: true,
        });
      } else if (entry.role === "system") {
        out.push({ source: "system", message: entry.content });
      } else if (entry.role === "user") {
        // Only the task prompt: later prompts carry the previous step's output, already in that agent step.
        if (!prompted) out.push({ source: "user", message: entry.content });
        prompted = true;
      } else if (stepIndex < steps.length) {
        out.push(stepOf(stepIndex++));
      }
    }
    // Steps recorded without a history entry (a damaged file) are still written.
    while (stepIndex < steps.length) out.push(stepOf(stepIndex++));
  }
  return out.map((step, i) => ({ step_id: i + 1, ...step }));
}

function agentStep(
  step: ReadStep,
  index: number,
  evaluations: readonly Record<string, number>[],
  reward: { reward: number; scoreDelta: number | null } | undefined,
): Omit<AtifStep, "step_id"> {
  const extra: Record<string, unknown> = {
    action: step.action,
    thought: step.thought,
    state: step.state,
    ...(step.execution_time !== undefined ? { execution_time: step.execution_time } : {}),
    ...(evaluations.length > 0 ? { evaluation: evaluations.at(-1) } : {}),
    reward: reward?.reward ?? 0,
    score_delta: reward?.scoreDelta ?? null,
    ...(step.requeries ? { requeries: step.requeries } : {}),
  };
  if (isExitAction(step.action)) {
    // No model answer: the agent loop ended the episode (a limit, an API failure).
    return {
      source: "system",
      message: step.response,
      observation: { results: [{ content: step.observation }] },
      extra,
    };
  }
  const { text, calls } = splitToolCalls(step.response);
  const toolCalls =
    calls.length > 0
      ? calls.map((call, j) => ({
          tool_call_id: toolCallId(index, j),
          function_name: call.name,
          arguments: call.arguments,
        }))
      : [{ tool_call_id: toolCallId(index), function_name: SHELL_TOOL, arguments: { command: step.action } }];
  return {
    source: "agent",
    message: text,
    tool_calls: toolCalls,
    observation: { results: [{ source_call_id: toolCalls[0]!.tool_call_id, content: step.observation }] },
    ...(step.logprobs ? { metrics: tokenMetrics(step.logprobs) } : {}),
    extra,
  };
}

function tokenMetrics(record: TokenLogprobs): NonNullable<AtifStep["metrics"]> {
  return {
    logprobs: record.logprobs,
    ...(record.token_ids ? { completion_token_ids: record.token_ids } : {}),
    ...(record.prompt_token_ids ? { prompt_token_ids: record.prompt_token_ids } : {}),
    ...(record.tokens ? { extra: { tokens: record.tokens } } : {}),
  };
}
