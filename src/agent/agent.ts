import { dirname, isAbsolute, join } from "node:path";
import { blockedWord } from "../env/blocklist.js";
import type { MLGymEnv } from "../env/env.js";
import { ConfigError, ContextWindowError, ModelError } from "../errors.js";
import type { ChatMessage, Model, ToolCall } from "../models/model.js";
import type { ModelStats, TrajectoryFile, TrajectoryStep } from "../trajectory/files.js";
import { writeJsonAtomic } from "../trajectory/files.js";
import { readTrajectory } from "../trajectory/read.js";
import { CostBudget, pricingWarning } from "./budget.js";
import type { AgentConfig } from "./config.js";
import { type HistoryEntry, historyProcessor } from "./history.js";
import { FormatError, outputParsers } from "./parser.js";
import { renderTemplate } from "./template.js";
import { actionFromToolCall, toolSpecs } from "./tool-calls.js";

/** Limits the agent checks before every model call; each ends the episode with an autosubmission. */
export interface AgentLimits {
  /**
   * US dollars per episode; no call starts whose worst case could cross it, and a provider reporting more than
   * that worst case ends the episode at once. A model without a known price is then an error, unless `allowUnpriced`.
   */
  costLimitUsd?: number;
  /** Run a model whose price is unknown under a cost limit anyway (the limit is then not enforced). */
  allowUnpriced?: boolean;
  /** Wall-clock seconds per episode. */
  timeLimitS?: number;
}

export interface AgentRun {
  env: MLGymEnv;
  model: Model;
  config: AgentConfig;
  /** Where `<taskId>.traj` and `results.json` are written (after every step). */
  outputDir: string;
  limits?: AgentLimits;
  temperature?: number;
  topP?: number;
  seed?: number;
  /** Called after every step, e.g. for a live display. */
  onStep?: (step: TrajectoryStep, info: { step: number; maxSteps: number; costUsd: number }) => void;
}

export interface AgentResult {
  exitStatus: string;
  scores: TrajectoryFile["info"]["score"];
  trajectoryFile: string;
  resultsFile: string;
  stats: ModelStats;
}

const AGENT = "primary_0";

interface Decision {
  thought: string;
  action: string;
  response: string;
  /** The native function calls of the answer, when the agent uses them. */
  toolCalls?: ToolCall[];
}

/** A pseudo-action that ends the episode through the environment's autosubmission. */
function exitDecision(action: string, reason: string): Decision {
  return { thought: reason, action, response: reason };
}

/**
 * Runs one episode: reset, then ask the model, parse its action, step the environment, record the step, until
 * the episode ends. Depends only on the Model and Env interfaces; the trajectory is flushed after every step.
 */
export async function runAgent(run: AgentRun): Promise<AgentResult> {
  const { env, model, config } = run;
  // Throws for an unpriced model under a cost limit (unless allowed); printing the warning is the caller's part.
  pricingWarning(model, run.limits);
  const started = Date.now();
  const parse = outputParsers[config.output_parser]!;
  const processHistory = historyProcessor(config.history_processor, config.history_processor_args)!;
  const stats: ModelStats = { total_cost: 0, task_cost: 0, tokens_sent: 0, tokens_received: 0, api_calls: 0 };
  const reset = await env.reset(run.seed === undefined ? {} : { seed: run.seed });
  const taskFields = {
    ...env.spec.config,
    description: reset.observation,
    training_timeout: reset.info.trainingTimeoutS,
  };
  const envVariables = { ...env.toolset.envVariables };
  const commandDocs = env.toolset.docs(config.tools.parser);
  const fixed = { ...taskFields, ...envVariables, command_docs: commandDocs };
  const history: HistoryEntry[] = [
    { role: "system", content: renderTemplate(config.system_template, fixed), agent: AGENT },
  ];
  history.push(...loadDemonstrations(config));
  const traj: TrajectoryFile = {
    environment: "mlgym_main",
    trajectory: [],
    history,
    info: {
      model_stats: stats,
      exit_status: "",
      submission: null,
      score: [],
      summarizer: {},
      ...(model.costUnknown ? { cost_unknown: true as const } : {}),
    },
  };
  const budget = new CostBudget(run.limits?.costLimitUsd);
  const trajectoryFile = `${run.outputDir}/${env.spec.config.id}.traj`;
  const resultsFile = `${run.outputDir}/results.json`;
  let observation: string | undefined;

  const outputCap = config.max_output_tokens ? { maxOutputTokens: config.max_output_tokens } : {};
  const useTools = config.action_format === "tool_calls";
  const tools = useTools ? toolSpecs(env.toolset) : [];
  const fromToolCalls = (answer: Decision) => {
    const calls = answer.toolCalls ?? [];
    if (calls.length !== 1) throw new FormatError(`Call exactly one tool per answer (got ${calls.length}).`);
    return { thought: answer.response, action: actionFromToolCall(calls[0]!, env.toolset) };
  };
  const ask = async (messages: ChatMessage[]): Promise<Decision> => {
    if (run.limits?.timeLimitS !== undefined && (Date.now() - started) / 1000 > run.limits.timeLimitS) {
      return exitDecision("exit_time", "Exit due to time limit");
    }
    const options = {
      ...outputCap,
      ...(useTools ? { tools } : {}),
      ...(run.temperature !== undefined ? { temperature: run.temperature } : {}),
      ...(run.topP !== undefined ? { topP: run.topP } : {}),
    };
    if (!budget.reserve(model.maxCostUsd?.(messages, options)))
      return exitDecision("exit_cost", "Exit due to cost limit");
    try {
      const answer = await model.query(messages, options);
      stats.api_calls++;
      stats.tokens_sent += answer.usage?.inputTokens ?? 0;
      stats.tokens_received += answer.usage?.outputTokens ?? 0;
      const overrun = budget.settle(answer.costUsd);
      stats.total_cost = budget.spent;
      stats.task_cost = stats.total_cost;
      if (overrun) {
        // The provider billed more than the call could cost: its accounting cannot be bounded, so stop here.
        traj.info.cost_overrun = overrun;
        const usd = (x: number) => x.toFixed(4);
        return exitDecision(
          "exit_cost",
          `Exit due to cost limit: the provider reported ${usd(overrun.reported_usd)} USD for a call whose worst case was ${usd(overrun.reserved_usd)} USD (limit ${overrun.limit_usd} USD)`,
        );
      }
      return {
        thought: "",
        action: "",
        response: answer.content,
        ...(answer.toolCalls ? { toolCalls: answer.toolCalls } : {}),
      };
    } catch (error) {
      if (error instanceof ContextWindowError)
        return exitDecision("exit_context", "Exit due to context window");
      if (error instanceof ModelError)
        return exitDecision("exit_api", `Exit due to model API error: ${error.message}`);
      return exitDecision("exit_error", `Exit due to runtime error: ${(error as Error).message}`);
    }
  };

  /** Queries until the answer parses and is not blocked, with failed attempts kept out of the history. */
  const decide = async (): Promise<Decision> => {
    const messages = processHistory(history).map(({ role, content }) => ({ role, content }));
    const extra: ChatMessage[] = [];
    let problem = "";
    for (let attempt = 0; attempt <= config.max_requeries; attempt++) {
      const answer = await ask([...messages, ...extra]);
      if (answer.action) return answer;
      try {
        const parsed = useTools ? fromToolCalls(answer) : parse(answer.response);
        const blocked = blockedWord(parsed.action, {
          firstWord: config.tools.blocklist,
          standalone: config.tools.blocklist_standalone,
          message: config.tools.blocklist_error_template,
        });
        if (blocked === undefined) {
          const calls = answer.toolCalls?.map(
            (c) => `\n<tool_call>${JSON.stringify({ name: c.name, arguments: c.arguments })}</tool_call>`,
          );
          return { ...parsed, response: answer.response + (calls?.join("") ?? "") };
        }
        problem = renderTemplate(config.tools.blocklist_error_template, { name: blocked });
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        problem = config.format_error_template
          ? renderTemplate(config.format_error_template, { error: error.message })
          : error.message;
      }
      extra.push({ role: "assistant", content: answer.response }, { role: "user", content: problem });
    }
    return exitDecision("exit_format", "Exit due to format error");
  };

  try {
    await loop();
  } catch (error) {
    // An infrastructure fault (sandbox, disk): keep what was recorded, with an explicit status, then re-throw.
    traj.info.exit_status = `infrastructure_error (${(error as Error).name}: ${(error as Error).message})`;
    writeJsonAtomic(trajectoryFile, traj);
    writeJsonAtomic(resultsFile, {
      agent: traj.info.score,
      ...(env.baselineScores ? { baseline: env.baselineScores } : {}),
    });
    throw error;
  }
  const results = { agent: traj.info.score, ...(env.baselineScores ? { baseline: env.baselineScores } : {}) };
  writeJsonAtomic(resultsFile, results);
  return { exitStatus: traj.info.exit_status, scores: traj.info.score, trajectoryFile, resultsFile, stats };

  async function loop(): Promise<void> {
    for (;;) {
      const state = await env.state();
      const values = {
        ...fixed,
        ...state.values,
        current_step: env.currentStep,
        remaining_steps: env.maxSteps - env.currentStep,
        observation: observation ?? "",
      };
      const first = history.every((h) => h.role === "system" || h.is_demo);
      const template = first
        ? [config.task_template, config.strategy_template].filter(Boolean).join("\n")
        : observation?.trim()
          ? (config.next_step_template ?? config.task_template)
          : (config.next_step_no_output_template ?? config.next_step_template ?? config.task_template);
      history.push({ role: "user", content: renderTemplate(template, values), agent: AGENT });
      const decision = await decide();
      history.push({
        role: "assistant",
        content: decision.response,
        thought: decision.thought,
        action: decision.action,
        agent: AGENT,
      });
      const result = await env.step(decision.action);
      const step: TrajectoryStep = {
        action: decision.action,
        observation: result.observation,
        response: decision.response,
        state: state.raw,
        thought: decision.thought,
        execution_time: result.info.executionTime,
      };
      traj.trajectory.push(step);
      traj.info.score = result.info.scores;
      if (result.info.submission) traj.info.submission = result.info.submission;
      const done = result.terminated || result.truncated;
      if (done) traj.info.exit_status = result.info.exitStatus ?? "unknown_error";
      writeJsonAtomic(trajectoryFile, traj);
      run.onStep?.(step, { step: env.currentStep, maxSteps: env.maxSteps, costUsd: stats.total_cost });
      observation = result.observation;
      if (done) break;
    }
  }
}

/**
 * Demonstration trajectories as history entries: every non-system entry (whatever agent recorded it), either as
 * separate messages (`put_demos_in_history`) or rendered into one user message with `demonstration_template`.
 */
function loadDemonstrations(config: AgentConfig): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const path of config.demonstrations) {
    const file = isAbsolute(path) ? path : join(dirname(config.file), path);
    let entries: HistoryEntry[];
    try {
      entries = readTrajectory(file)
        .history.filter((h) => h.role !== "system")
        .map((h) => ({
          role: h.role,
          content: h.content,
          agent: AGENT,
          ...(typeof h.thought === "string" ? { thought: h.thought } : {}),
          ...(typeof h.action === "string" ? { action: h.action } : {}),
        }));
    } catch (cause) {
      throw new ConfigError(`cannot read demonstration trajectory: ${(cause as Error).message}`, {
        file: config.file,
        field: "demonstrations",
        cause,
      });
    }
    if (config.put_demos_in_history) {
      out.push(...entries.map((h) => ({ ...h, is_demo: true })));
    } else {
      const demonstration = entries.map((h) => h.content).join("\n");
      out.push({
        role: "user",
        content: renderTemplate(config.demonstration_template ?? "{demonstration}", { demonstration }),
        agent: AGENT,
        is_demo: true,
      });
    }
  }
  return out;
}
