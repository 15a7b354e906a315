import { loadAgentConfig, toolsetOptions } from "../agent/config.js";
import { toolSpecs } from "../agent/tool-calls.js";
import { loadToolset } from "../tools/index.js";

/** A tool definition in OpenAI's function-calling shape (what chat `tools` and ATIF `tool_definitions` hold). */
export interface FunctionDefinition {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

const cache = new Map<string, FunctionDefinition[] | undefined>();

/**
 * The tools a tool-calling agent was offered, rebuilt from the agent config its `args.json` names (trajectories
 * do not record them); undefined when the file is gone or does not load.
 */
export function agentToolDefinitions(agentConfig: string | undefined): FunctionDefinition[] | undefined {
  if (agentConfig === undefined) return undefined;
  if (!cache.has(agentConfig)) {
    let definitions: FunctionDefinition[] | undefined;
    try {
      const toolset = loadToolset(toolsetOptions(loadAgentConfig(agentConfig)));
      definitions = toolSpecs(toolset).map((spec) => ({
        type: "function",
        function: { name: spec.name, description: spec.description, parameters: spec.parameters },
      }));
    } catch {
      definitions = undefined;
    }
    cache.set(agentConfig, definitions);
  }
  return cache.get(agentConfig);
}
