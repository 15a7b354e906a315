import type { Ledger, Reservation } from "../batch/types.js";
import { blockedWord } from "../env/blocklist.js";
import type { MLGymEnv } from "../env/env.js";
import { ContextWindowError, type InfrastructureFailure, ModelError, SandboxError } from "../errors.js";
import type { ChatMessage, Model, ToolCall } from "../models/model.js";
import type {
  ModelStats,
  Requery,
  TokenLogprobs,
  TrajectoryFile,
  TrajectoryStep,
} from "../trajectory/files.js";
import { writeJsonAtomic } from "../trajectory/files.js";
import { CostBudget, pricingWarning } from "./budget.js";
import type { AgentConfig } from "./config.js";
import { loadDemonstrations } from "./demonstrations.js";
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

/** What the agent is doing, for a live display; `step` is the (1-based) step being worked on. */
export type AgentEvent =
  /** A model call starts. */
  | { kind: "query"; step: number }
  /** An answer was refused (format error or blocked command) and the model is asked again. */
  | { kind: "requery"; step: number; requery: Requery }
  /** The environment starts running an action. */
  | { kind: "action"; step: number; action: string }
  /** An infrastructure failure ended (or is ending) the episode. */
  | { kind: "infrastructure"; failure: InfrastructureFailure };

/** What `onStep` gets besides the step. */
export interface StepProgress {
  step: number;
  maxSteps: number;
  costUsd: number;
  /** Every evaluation of the episode so far, in order. */
  scores: TrajectoryFile["info"]["score"];
}

export interface AgentRun {
  env: MLGymEnv;
  model: Model;
  config: AgentConfig;
  /** Where `<taskId>.traj` and `results.json` are written (after every step). */
  outputDir: string;
  limits?: AgentLimits;
  /**
   * The budget of the whole batch this episode belongs to: every model call reserves its worst case on it too, and
   * is settled with its actual cost (the worst case when unknown, or when the call failed or was abandoned). A
   * refusal ends the episode with `exit_cost` and `info.batch_budget_exhausted`.
   */
  ledger?: Ledger;
  /** Tag of the policy that acts (a training checkpoint), recorded as `info.policy_version` in the trajectory. */
  policyVersion?: string;
  temperature?: number;
  topP?: number;
  seed?: number;
  /**
   * Stops the episode: a model call in flight is abandoned, a running command is interrupted, and the episode ends
   * with `exit_interrupted` (an autosubmission evaluation, as for the other limits).
   */
  signal?: AbortSignal;
  /** Called after every step, e.g. for a live display. */
  onStep?: (step: TrajectoryStep, info: StepProgress) => void;
  /** Called as the agent works (model calls, re-queries, actions, infrastructure failures). */
  onEvent?: (event: AgentEvent) => void;
}

export interface AgentResult {
  exitStatus: string;
  scores: TrajectoryFile["info"]["score"];
  trajectoryFile: string;
  resultsFile: string;
  stats: ModelStats;
  /** Set when the infrastructure (model API, sandbox), not the agent, ended the episode. */
  infrastructureError?: InfrastructureFailure;
}

const AGENT = "primary_0";

interface Decision {
  thought: string;
  action: string;
  response: string;
  /** The native function calls of the answer, when the agent uses them. */
  toolCalls?: ToolCall[];
  /** Answers refused before this one. */
  requeries?: Requery[];
  /** The answer's token record, when the backend returned one. */
  logprobs?: TokenLogprobs;
}

/** A pseudo-action that ends the episode through the environment's autosubmission. */
function exitDecision(action: string, reason: string): Decision {
  return { thought: reason, action, response: reason };
}

/** `work`, or "aborted" as soon as the signal fires; the listener is removed either way (no pile-up per call). */
async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T | "aborted"> {
  if (!signal) return work;
  if (signal.aborted) return "aborted";
  let listener: (() => void) | undefined;
  const stop = new Promise<"aborted">((resolve) => {
    listener = () => resolve("aborted");
    signal.addEventListener("abort", listener, { once: true });
  });
  try {
    return await Promise.race([work, stop]);
  } finally {
    signal.removeEventListener("abort", listener!);
  }
}

/**
 * Runs one episode: reset, then ask the model, parse its action, step the environment, record the step, until
 * the episode ends. Depends only on the Model and Env interfaces; the trajectory is flushed after every step.
 * A sandbox failure ends the episode with `early_exit` and an `infrastructure_error` record, and is returned, not
 * thrown; other unexpected faults are recorded, then re-thrown.
 */
export async function runAgent(run: AgentRun): Promise<AgentResult> {
  const { env, model, config, signal } = run;
  // Throws for an unpriced model under a cost limit or a batch budget (unless allowed); printing the warning is the
  // caller's part.
  const batchBudgetUsd = run.ledger && model.costUnknown ? (await run.ledger.state()).limitUsd : undefined;
  pricingWarning(model, { ...run.limits, ...(batchBudgetUsd === undefined ? {} : { batchBudgetUsd }) });
  const started = Date.now();
  const parse = outputParsers[config.output_parser]!;
  const processHistory = historyProcessor(config.history_processor, config.history_processor_args)!;
  const stats: ModelStats = { total_cost: 0, task_cost: 0, tokens_sent: 0, tokens_received: 0, api_calls: 0 };
  const history: HistoryEntry[] = [];
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
      ...(run.policyVersion ? { policy_version: run.policyVersion } : {}),
    },
  };
  const budget = new CostBudget(run.limits?.costLimitUsd);
  const trajectoryFile = `${run.outputDir}/${env.spec.config.id}.traj`;
  const resultsFile = `${run.outputDir}/results.json`;
  let observation: string | undefined;
  let fixed: Record<string, unknown> = {};

  const infrastructure = (failure: InfrastructureFailure) => {
    traj.info.infrastructure_error = failure;
    run.onEvent?.({ kind: "infrastructure", failure });
  };
  const writeResults = () => {
    writeJsonAtomic(resultsFile, {
      agent: traj.info.score,
      ...(env.baselineScores ? { baseline: env.baselineScores } : {}),
      ...(traj.info.infrastructure_error ? { infrastructure_error: traj.info.infrastructure_error } : {}),
    });
  };
  const result = (): AgentResult => ({
    exitStatus: traj.info.exit_status,
    scores: traj.info.score,
    trajectoryFile,
    resultsFile,
    stats,
    ...(traj.info.infrastructure_error ? { infrastructureError: traj.info.infrastructure_error } : {}),
  });

  const outputCap = config.max_output_tokens ? { maxOutputTokens: config.max_output_tokens } : {};
  const useTools = config.action_format === "tool_calls";
  const tools = useTools ? toolSpecs(env.toolset) : [];
  const fromToolCalls = (answer: Decision) => {
    const calls = answer.toolCalls ?? [];
    if (calls.length !== 1) throw new FormatError(`Call exactly one tool per answer (got ${calls.length}).`);
    return { thought: answer.response, action: actionFromToolCall(calls[0]!, env.toolset) };
  };
  const interrupted = () => exitDecision("exit_interrupted", "Exit due to interruption (Ctrl-C)");
  const ask = async (messages: ChatMessage[]): Promise<Decision> => {
    if (signal?.aborted) return interrupted();
    if (run.limits?.timeLimitS !== undefined && (Date.now() - started) / 1000 > run.limits.timeLimitS) {
      return exitDecision("exit_time", "Exit due to time limit");
    }
    const options = {
      ...outputCap,
      ...(useTools ? { tools } : {}),
      ...(run.temperature !== undefined ? { temperature: run.temperature } : {}),
      ...(run.topP !== undefined ? { topP: run.topP } : {}),
      ...(signal ? { signal } : {}),
    };
    const worst = model.maxCostUsd?.(messages, options);
    if (!budget.reserve(worst)) return exitDecision("exit_cost", "Exit due to cost limit");
    // The batch's share: a call without a worst case costs nothing (or its price is unknown, allowed above).
    let held: Reservation | undefined;
    if (run.ledger && worst !== undefined) {
      held = await run.ledger.reserve(worst);
      if (!held) {
        traj.info.batch_budget_exhausted = true;
        const { limitUsd, spentUsd, reservedUsd } = await run.ledger.state();
        const usd = (x: number) => x.toFixed(4);
        return exitDecision(
          "exit_cost",
          `Exit due to cost limit: the batch budget of ${limitUsd} USD cannot cover the next call (worst case ${usd(worst)} USD; ${usd(spentUsd + reservedUsd)} USD spent or reserved)`,
        );
      }
    }
    // What the batch is charged: the worst case unless the provider reports the call's cost (a failed or
    // abandoned call may still be billed).
    let charge = worst ?? 0;
    run.onEvent?.({ kind: "query", step: env.currentStep + 1 });
    try {
      const query = model.query(messages, options);
      // An abandoned call may still fail later: that is no longer anyone's concern.
      query.catch(() => {});
      const answer = await unlessAborted(query, signal);
      if (answer === "aborted") return interrupted();
      stats.api_calls++;
      stats.tokens_sent += answer.usage?.inputTokens ?? 0;
      stats.tokens_received += answer.usage?.outputTokens ?? 0;
      charge = answer.costUsd ?? charge;
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
        ...(answer.logprobs ? { logprobs: answer.logprobs } : {}),
      };
    } catch (error) {
      if (signal?.aborted) return interrupted();
      if (error instanceof ContextWindowError)
        return exitDecision("exit_context", "Exit due to context window");
      if (error instanceof ModelError) {
        infrastructure({ kind: error.infrastructure, message: error.message, step: env.currentStep + 1 });
        return exitDecision("exit_api", `Exit due to model API error: ${error.message}`);
      }
      return exitDecision("exit_error", `Exit due to runtime error: ${(error as Error).message}`);
    } finally {
      if (held) await run.ledger!.settle(held, charge);
    }
  };

  /** Queries until the answer parses and is not blocked, with failed attempts kept out of the history. */
  const decide = async (): Promise<Decision> => {
    const messages = processHistory(history).map(({ role, content }) => ({ role, content }));
    const extra: ChatMessage[] = [];
    const requeries: Requery[] = [];
    const withRequeries = (d: Decision): Decision => (requeries.length ? { ...d, requeries } : d);
    for (let attempt = 0; attempt <= config.max_requeries; attempt++) {
      const answer = await ask([...messages, ...extra]);
      if (answer.action) return withRequeries(answer);
      let problem: string;
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
          return withRequeries({
            ...parsed,
            response: answer.response + (calls?.join("") ?? ""),
            ...(answer.logprobs ? { logprobs: answer.logprobs } : {}),
          });
        }
        problem = renderTemplate(config.tools.blocklist_error_template, { name: blocked });
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        problem = config.format_error_template
          ? renderTemplate(config.format_error_template, { error: error.message })
          : error.message;
      }
      const requery = { response: answer.response, error: problem };
      requeries.push(requery);
      run.onEvent?.({ kind: "requery", step: env.currentStep + 1, requery });
      extra.push({ role: "assistant", content: answer.response }, { role: "user", content: problem });
    }
    return withRequeries(exitDecision("exit_format", "Exit due to format error"));
  };

  try {
    await start();
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    // The sandbox could not be started: nothing ran, nothing can be evaluated.
    infrastructure({ kind: "sandbox", message: error.message, step: 0 });
    traj.info.exit_status = "early_exit";
    writeJsonAtomic(trajectoryFile, traj);
    writeResults();
    return result();
  }
  try {
    await loop();
  } catch (error) {
    // A fault outside the agent (sandbox, disk): keep what was recorded, with an explicit record.
    const sandbox = error instanceof SandboxError;
    infrastructure({
      kind: sandbox ? "sandbox" : "other",
      message: sandbox ? (error as Error).message : `${(error as Error).name}: ${(error as Error).message}`,
      step: env.currentStep,
    });
    // The original's labels: `early_exit` for a failed container, "" when its agent loop crashed.
    traj.info.exit_status = sandbox ? "early_exit" : "";
    writeJsonAtomic(trajectoryFile, traj);
    writeResults();
    if (sandbox) return result();
    throw error;
  }
  writeResults();
  return result();

  async function start(): Promise<void> {
    const reset = await env.reset(run.seed === undefined ? {} : { seed: run.seed });
    const taskFields = {
      ...env.spec.config,
      description: reset.observation,
      training_timeout: reset.info.trainingTimeoutS,
    };
    const envVariables = { ...env.toolset.envVariables };
    const commandDocs = env.toolset.docs(config.tools.parser);
    fixed = { ...taskFields, ...envVariables, command_docs: commandDocs };
    history.push({ role: "system", content: renderTemplate(config.system_template, fixed), agent: AGENT });
    history.push(...loadDemonstrations(config, AGENT));
  }

  async function loop(): Promise<void> {
    const stopCommand = () => void env.interrupt();
    signal?.addEventListener("abort", stopCommand);
    try {
      for (;;) if (await oneStep()) break;
    } finally {
      signal?.removeEventListener("abort", stopCommand);
    }
  }

  /** Asks for, runs and records one step; true when the episode ended. */
  async function oneStep(): Promise<boolean> {
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
    // A command interrupted by the signal still counts as a step; the episode ends at the next decision.
    const decision = signal?.aborted ? interrupted() : await decide();
    history.push({
      role: "assistant",
      content: decision.response,
      thought: decision.thought,
      action: decision.action,
      agent: AGENT,
    });
    run.onEvent?.({ kind: "action", step: env.currentStep + 1, action: decision.action });
    const result = await env.step(decision.action);
    const step: TrajectoryStep = {
      action: decision.action,
      observation: result.observation,
      response: decision.response,
      state: state.raw,
      thought: decision.thought,
      execution_time: result.info.executionTime,
      ...(decision.requeries ? { requeries: decision.requeries } : {}),
      ...(decision.logprobs ? { logprobs: decision.logprobs } : {}),
    };
    traj.trajectory.push(step);
    traj.info.score = result.info.scores;
    if (result.info.submission) traj.info.submission = result.info.submission;
    const done = result.terminated || result.truncated;
    if (done) traj.info.exit_status = result.info.exitStatus ?? "unknown_error";
    writeJsonAtomic(trajectoryFile, traj);
    run.onStep?.(step, {
      step: env.currentStep,
      maxSteps: env.maxSteps,
      costUsd: stats.total_cost,
      scores: traj.info.score,
    });
    observation = result.observation;
    return done;
  }
}
