import { existsSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../errors.js";
import type { Model } from "../models/model.js";
import { createModel, type ModelOptions, modelBackends } from "../models/registry.js";
import { ScriptedModel } from "../models/scripted.js";
import { projectRoot } from "../runtime/paths.js";

export { DEMO_TASK } from "./demo-task.js";

/** Models tried, in order, when `--model` is not given and the provider's key is set. */
const KEYED_DEFAULTS: Array<[string, string]> = [
  ["OPENAI_API_KEY", "openai:gpt-4o-mini"],
  ["ANTHROPIC_API_KEY", "anthropic:claude-3-5-haiku-latest"],
];

/**
 * The model of a run: `--model` when given; else a provider whose API key is set; else the scripted demonstration
 * agent (with a note saying so).
 */
export function chooseModel(
  spec: string | undefined,
  options: ModelOptions,
  taskId: string,
): { model: Model; note?: string } {
  if (spec) return { model: createModel(spec, options) };
  for (const [key, id] of KEYED_DEFAULTS) {
    const backend = id.split(":")[0]!;
    if (process.env[key] && modelBackends[backend])
      return { model: createModel(id, options), note: `using ${id} (${key} is set)` };
  }
  const file = demoFile(taskId);
  if (!existsSync(file)) {
    throw new ConfigError(
      `no model to run: no --model given, no API key set (OPENAI_API_KEY, ANTHROPIC_API_KEY), and task '${taskId}' has no scripted demonstration (${file}); pass --model <backend>:<name>, e.g. openai:gpt-4o-mini (with --base-url for a local server)`,
      { field: "--model" },
    );
  }
  return {
    model: ScriptedModel.fromFile(file),
    note: `no --model given and no API key set: running the scripted demonstration agent (${file}); set OPENAI_API_KEY or ANTHROPIC_API_KEY, or pass --model, to run a real LLM`,
  };
}

/** The scripted demonstration of a task: `agents/demo/<taskId>.yaml` (one for every built-in task). */
export function demoFile(taskId: string): string {
  return join(projectRoot(), "agents", "demo", `${taskId}.yaml`);
}
