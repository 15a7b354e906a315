import { FormatError } from "../agent/parser.js";
import { actionFromToolCall, toolSpecs } from "../agent/tool-calls.js";
import type { StepResult } from "../env/types.js";
import type { Toolset } from "../tools/toolset.js";
import { ServeError } from "./errors.js";
import { CREATE_FIELDS, objectBody, readArgs, settingsOf } from "./requests.js";
import type { Session, SessionManager } from "./sessions.js";

/** A JSON-RPC 2.0 response. */
export type RpcResponse =
  | { jsonrpc: "2.0"; id: unknown; result: unknown }
  | { jsonrpc: "2.0"; id: unknown; error: { code: number; message: string; data?: unknown } };

/** Where a JSON-RPC request arrived: a WebSocket brings its own session, HTTP names one in `params.session_id`. */
export interface RpcContext {
  manager: SessionManager;
  toolset: Toolset;
  version: string;
  session?: Session;
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const PROTOCOL_VERSION = "2025-06-18";

/** The MCP result of a step: its text, and the step's values for clients that read structured content. */
export function toolResult(result: StepResult) {
  return {
    content: [{ type: "text", text: result.observation }],
    structuredContent: {
      reward: result.reward,
      terminated: result.terminated,
      truncated: result.truncated,
      done: result.terminated || result.truncated,
      info: result.info,
    },
    isError: false,
  };
}

/** Why a tool call ran nothing, in the terms of OpenEnv's `ToolErrorType`. */
export interface ToolRefusal {
  error_type: "tool_not_found" | "invalid_args" | "execution_error";
  message: string;
}

/**
 * Runs one of the agent's tools as a step of the session's episode (a session without an episode yet starts one
 * of its task first). An unknown tool, arguments that make no command, or a step the session refuses (the episode
 * ended) come back as a refusal; a closed session throws.
 */
export async function runTool(
  session: Session,
  name: string,
  args: Record<string, unknown>,
  toolset: Toolset,
): Promise<StepResult | ToolRefusal> {
  const specs = toolSpecs(toolset);
  if (!specs.some((t) => t.name === name)) {
    return {
      error_type: "tool_not_found",
      message: `unknown tool '${name}'; tools: ${specs.map((t) => t.name).join(", ")}`,
    };
  }
  let action: string;
  try {
    action = actionFromToolCall({ id: "mcp", name, arguments: args }, toolset);
  } catch (error) {
    if (error instanceof FormatError) return { error_type: "invalid_args", message: error.message };
    throw error;
  }
  // A tool-calling client may start without a reset: its first call starts the episode of the session's task.
  if (!session.inEpisode && session.state().episode_id === null) await session.reset({});
  try {
    return await session.step(action);
  } catch (error) {
    if (error instanceof ServeError && error.code !== "SESSION_ERROR")
      return { error_type: "execution_error", message: `${error.code}: ${error.message}` };
    throw error;
  }
}

/** Whether a tool call was refused. */
export function refused(outcome: StepResult | ToolRefusal): outcome is ToolRefusal {
  return "error_type" in outcome;
}

/** The tools as MCP lists them (`inputSchema`; OpenEnv's typed observation calls it `input_schema`). */
export function toolList(
  toolset: Toolset,
): Array<{ name: string; description: string; inputSchema: unknown }> {
  return toolSpecs(toolset).map((t) => ({
    name: t.name,
    description: t.description,
    inputSchema: t.parameters,
  }));
}

async function callTool(params: Record<string, unknown>, ctx: RpcContext) {
  const { name, arguments: args = {} } = params;
  if (typeof name !== "string")
    throw new RpcError(-32602, "tools/call needs params.name (a tool of tools/list)");
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw new RpcError(-32602, "params.arguments must be an object");
  const session = ctx.session ?? sessionOf(params, ctx);
  const outcome = await runTool(session, name, args as Record<string, unknown>, ctx.toolset);
  if (!refused(outcome)) return toolResult(outcome);
  if (outcome.error_type === "tool_not_found") throw new RpcError(-32602, outcome.message);
  return { content: [{ type: "text", text: outcome.message }], isError: true };
}

function sessionOf(params: Record<string, unknown>, ctx: RpcContext): Session {
  const id = params.session_id;
  if (typeof id !== "string") {
    throw new RpcError(
      -32602,
      "over HTTP, tools/call needs params.session_id: an env_id of POST /api/v1/envs or the session_id of openenv/session/create (or use the WebSocket's mcp frames)",
    );
  }
  return ctx.manager.get(id);
}

async function dispatch(method: string, params: Record<string, unknown>, ctx: RpcContext): Promise<unknown> {
  switch (method) {
    case "initialize":
      return {
        protocolVersion:
          typeof params.protocolVersion === "string" ? params.protocolVersion : PROTOCOL_VERSION,
        capabilities: { tools: { listChanged: false } },
        serverInfo: { name: "mlgym", version: ctx.version },
      };
    case "ping":
      return {};
    case "tools/list":
      return { tools: toolList(ctx.toolset) };
    case "tools/call":
      return callTool(params, ctx);
    case "openenv/session/create": {
      const args = readArgs(params, CREATE_FIELDS, { what: "params", ignoreUnknown: true });
      // Without a task_id, the server's default (or only) task: a session's first tool call starts its episode.
      const taskId = args.taskId ?? ctx.manager.resolveTask(undefined);
      return { session_id: ctx.manager.create("http", settingsOf(args), taskId).id };
    }
    case "openenv/session/close": {
      const id = params.session_id;
      if (typeof id !== "string") throw new RpcError(-32602, "params.session_id is required");
      await ctx.manager.get(id).close("close");
      return { closed: true };
    }
    default:
      throw new RpcError(
        -32601,
        `method not found: '${method}'; methods: initialize, tools/list, tools/call, openenv/session/create, openenv/session/close`,
      );
  }
}

/**
 * Answers one JSON-RPC 2.0 request; undefined for a notification (no `id`). Never throws: faults become JSON-RPC
 * errors (-32600 invalid request, -32601 unknown method, -32602 bad params, -32000 a server error with its code).
 */
export async function handleRpc(request: unknown, ctx: RpcContext): Promise<RpcResponse | undefined> {
  const body =
    typeof request === "object" && request !== null && !Array.isArray(request)
      ? (request as Record<string, unknown>)
      : {};
  const id = "id" in body ? body.id : null;
  if (body.jsonrpc !== "2.0" || typeof body.method !== "string") {
    return {
      jsonrpc: "2.0",
      id,
      error: {
        code: -32600,
        message: 'invalid request: expected {"jsonrpc": "2.0", "method": str, "params"?: {}, "id"}',
      },
    };
  }
  const notification = !("id" in body);
  try {
    const params = objectBody(body.params, "params");
    const result = await dispatch(body.method, params, ctx);
    return notification ? undefined : { jsonrpc: "2.0", id, result };
  } catch (error) {
    if (notification) return undefined;
    if (error instanceof RpcError)
      return {
        jsonrpc: "2.0",
        id,
        error: { code: error.code, message: error.message, ...(error.data ? { data: error.data } : {}) },
      };
    if (error instanceof ServeError) {
      const code = error.code === "VALIDATION_ERROR" || error.code === "NOT_FOUND" ? -32602 : -32000;
      return {
        jsonrpc: "2.0",
        id,
        error: { code, message: error.message, data: { code: error.code, ...error.details } },
      };
    }
    return { jsonrpc: "2.0", id, error: { code: -32603, message: (error as Error).message } };
  }
}
