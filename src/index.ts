// The public API of mlgym-ts: explicit named re-exports only.
export { type AgentLimits, type AgentResult, type AgentRun, runAgent } from "./agent/agent.js";
export { type AgentConfig, agentConfigSchema, loadAgentConfig } from "./agent/config.js";
export { type HistoryEntry, lastNObservations } from "./agent/history.js";
export { FormatError, mlgymThoughtActionParser, outputParsers, thoughtActionParser } from "./agent/parser.js";
export { loadTaskSpec, type TaskSpec } from "./config/load-task.js";
export {
  type DatasetConfig,
  datasetConfigSchema,
  type MetricDirection,
  type Metrics,
  type TaskConfig,
  taskConfigSchema,
} from "./config/task-config.js";
export { checkEnv } from "./env/check-env.js";
export { type EnvOptions, MLGymEnv } from "./env/env.js";
export { listEnvs, type MakeOptions, make } from "./env/make.js";
export type { ResetInfo, ResetResult, StepInfo, StepResult } from "./env/types.js";
export {
  ConfigError,
  ContextWindowError,
  CostLimitError,
  EvaluationError,
  EvaluationFormatError,
  MLGymError,
  ModelError,
  SandboxError,
  SubmissionNotFoundError,
} from "./errors.js";
export type { ChatMessage, Model, ModelResponse, QueryOptions, ToolCall, ToolSpec } from "./models/model.js";
export { createModel, type ModelOptions, modelBackends } from "./models/registry.js";
export { ScriptedModel } from "./models/scripted.js";
export { buildReport, writeReport } from "./report/index.js";
export { ensurePythonRuntime, type PythonRuntime } from "./runtime/python-runtime.js";
export { createSandbox, defaultBackendName, probeBackends, sandboxBackends } from "./sandbox/registry.js";
export type {
  ExecOptions,
  ExecResult,
  Mount,
  Sandbox,
  SandboxLimits,
  SandboxSpec,
  ShellProcess,
} from "./sandbox/sandbox.js";
export { type CommandResult, ShellSession } from "./shell/shell-session.js";
export { taskKinds } from "./tasks/kinds.js";
export { discoverTasks, loadTask } from "./tasks/registry.js";
export type { TaskKind } from "./tasks/task-kind.js";
export { loadToolset, type Toolset } from "./tools/index.js";
export type { ModelStats, ResultsFile, TrajectoryFile, TrajectoryStep } from "./trajectory/files.js";
