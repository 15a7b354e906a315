import type { TokenLogprobs } from "../trajectory/files.js";
import { isExitAction } from "../trajectory/read.js";
import type { ExportEpisode } from "./episodes.js";
import { splitToolCalls } from "./tool-call-text.js";
import { agentToolDefinitions, type FunctionDefinition } from "./tool-specs.js";

/** One message of a chat record, in OpenAI's chat format. */
export interface ChatMessageRecord {
  role: "system" | "user" | "assistant" | "tool";
  content: string | null;
  tool_calls?: Array<{ id: string; type: "function"; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  /** 0 on demonstration turns: they were in the prompt, the model did not write them (OpenAI's fine-tuning key). */
  weight?: 0;
  /** The answer's token ids and log-probabilities, when the trajectory recorded them. */
  logprobs?: TokenLogprobs;
}

/** One line of `chat-jsonl`: an episode as a conversation, for supervised fine-tuning. */
export interface ChatRecord {
  messages: ChatMessageRecord[];
  /** The tools a tool-calling agent was offered (from its agent config), when they can be rebuilt. */
  tools?: FunctionDefinition[];
  metadata: {
    task: string;
    model: string;
    run: string;
    episode_id: string;
    exit_status: string;
    metric: string | null;
    /** Best value of the priority metric over the episode's evaluations. */
    score: number | null;
    baseline: number | null;
    /** Relative improvement of `score` over `baseline` in the task's direction. */
    improvement: number | null;
    policy_version?: string;
  };
}

/**
 * An episode as an OpenAI-style chat: the system and user prompts from the trajectory's `history`, the assistant
 * turns as the model wrote them (a native function call as `tool_calls`, answered by a `tool` message holding the
 * next prompt). Exit pseudo-steps (`exit_cost`, ...: no model answer) and the prompt left without an answer are
 * dropped. Undefined when no assistant turn remains.
 */
export function chatRecord(episode: ExportEpisode): ChatRecord | undefined {
  const messages = chatMessages(episode);
  while (messages.length > 0 && messages.at(-1)!.role !== "assistant") messages.pop();
  if (!messages.some((m) => m.role === "assistant" && m.weight === undefined)) return undefined;
  const usesTools = messages.some((m) => m.tool_calls !== undefined);
  const tools = usesTools ? agentToolDefinitions(episode.agentConfig) : undefined;
  return {
    messages,
    ...(tools ? { tools } : {}),
    metadata: {
      task: episode.task,
      model: episode.model,
      run: episode.run,
      episode_id: episode.episodeId,
      exit_status: episode.exitStatus,
      metric: episode.metric ?? null,
      score: episode.best ?? null,
      baseline: episode.baseline ?? null,
      improvement: episode.improvement ?? null,
      ...(episode.policyVersion !== undefined ? { policy_version: episode.policyVersion } : {}),
    },
  };
}

function chatMessages(episode: ExportEpisode): ChatMessageRecord[] {
  const { history, trajectory: steps } = episode.trajectory;
  const out: ChatMessageRecord[] = [];
  if (history.length === 0) {
    // Older files without a history: the responses and observations are all there is.
    for (const [i, step] of steps.entries()) {
      if (isExitAction(step.action)) break;
      if (i > 0) out.push({ role: "user", content: steps[i - 1]!.observation });
      out.push(assistant(step.response, step.logprobs, i));
    }
    return out;
  }
  let stepIndex = 0;
  let pendingCalls: string[] = [];
  for (const entry of history) {
    if (entry.is_demo) {
      out.push({
        role: entry.role,
        content: entry.content,
        ...(entry.role === "assistant" ? { weight: 0 } : {}),
      });
      continue;
    }
    if (entry.role === "system") {
      out.push({ role: "system", content: entry.content });
    } else if (entry.role === "user") {
      if (pendingCalls.length > 0) {
        for (const id of pendingCalls) out.push({ role: "tool", tool_call_id: id, content: entry.content });
        pendingCalls = [];
      } else out.push({ role: "user", content: entry.content });
    } else {
      const step = steps[stepIndex];
      if (isExitAction(entry.action ?? step?.action)) break;
      const message = assistant(entry.content, step?.logprobs, stepIndex);
      pendingCalls = message.tool_calls?.map((c) => c.id) ?? [];
      out.push(message);
      stepIndex++;
    }
  }
  return out;
}

function assistant(
  response: string,
  logprobs: TokenLogprobs | undefined,
  stepIndex: number,
): ChatMessageRecord {
  const { text, calls } = splitToolCalls(response);
  const message: ChatMessageRecord =
    calls.length === 0
      ? { role: "assistant", content: response }
      : {
          role: "assistant",
          content: text === "" ? null : text,
          tool_calls: calls.map((call, j) => ({
            id: toolCallId(stepIndex, j),
            type: "function",
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          })),
        };
  if (logprobs) message.logprobs = logprobs;
  return message;
}

/** The id given to the `j`-th call of step `stepIndex` (0-based): trajectories do not keep the provider's ids. */
export function toolCallId(stepIndex: number, j = 0): string {
  return `call_${stepIndex + 1}_${j}`;
}
