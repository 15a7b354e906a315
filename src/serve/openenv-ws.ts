import { type RawData, WebSocket } from "ws";
import type { StepResult } from "../env/types.js";
import { ServeError } from "./errors.js";
import { handleRpc, type RpcContext, refused, runTool, toolList, toolResult } from "./mcp.js";
import { RESET_FIELDS, readAction, readArgs } from "./requests.js";
import type { Session } from "./sessions.js";

/** Close code sent when the server ends a session (idle timeout, shutdown); 1000 when the client closed it. */
export const SESSION_ENDED_CLOSE_CODE = 4000;

type Frame = { type: string; data: unknown };

/** A server frame for an error, with OpenEnv's codes: the first four leave the socket open. */
function errorFrame(error: unknown): Frame {
  if (error instanceof ServeError) {
    const code =
      error.code === "NOT_FOUND"
        ? "VALIDATION_ERROR"
        : error.code === "EPISODE_ENDED"
          ? "EXECUTION_ERROR"
          : error.code;
    return { type: "error", data: { message: error.message, code, ...error.details } };
  }
  return {
    type: "error",
    data: { message: (error as Error).message ?? String(error), code: "EXECUTION_ERROR" },
  };
}

/** The observation reply: everything a client should see lives inside `observation` (OpenEnv drops the rest). */
export function observationFrame(result: StepResult): Frame {
  const done = result.terminated || result.truncated;
  return {
    type: "observation",
    data: {
      observation: {
        text: result.observation,
        terminated: result.terminated,
        truncated: result.truncated,
        info: result.info,
      },
      reward: result.reward,
      done,
    },
  };
}

/**
 * A step whose action is one of OpenEnv's MCP action shapes, as its `MCPToolClient` sends them over the WebSocket:
 * `{"type": "list_tools"}` or `{"type": "call_tool", "tool_name": str, "arguments": {}}` (`type` is no field of a
 * command action, so the two cannot be confused). Undefined for any other action.
 */
async function mcpAction(data: unknown, session: Session, ctx: RpcContext): Promise<Frame | undefined> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const { type, tool_name: name, arguments: args = {}, ...rest } = data as Record<string, unknown>;
  if (type !== "list_tools" && type !== "call_tool") return undefined;
  const extra = Object.keys(rest).filter((k) => k !== "metadata");
  const allowed =
    type === "list_tools" ? ["type", "metadata"] : ["type", "tool_name", "arguments", "metadata"];
  if (extra.length > 0 || (type === "list_tools" && (name !== undefined || "arguments" in data)))
    throw validationError(`unknown field of a ${type} action; allowed: ${allowed.join(", ")}`);
  const reply = (observation: Record<string, unknown>, reward: number | null, done: boolean): Frame => ({
    type: "observation",
    data: { observation: { ...observation, done, reward, metadata: {} }, reward, done },
  });
  if (type === "list_tools") {
    const tools = toolList(ctx.toolset).map(({ inputSchema, ...t }) => ({ ...t, input_schema: inputSchema }));
    return reply({ tools }, null, false);
  }
  if (typeof name !== "string") throw validationError("a call_tool action needs tool_name (a string)");
  if (typeof args !== "object" || args === null || Array.isArray(args))
    throw validationError("the arguments of a call_tool action must be an object");
  const outcome = await runTool(session, name, args as Record<string, unknown>, ctx.toolset);
  if (refused(outcome)) return reply({ tool_name: name, result: null, error: outcome }, null, false);
  const done = outcome.terminated || outcome.truncated;
  return reply({ tool_name: name, result: toolResult(outcome), error: null }, outcome.reward, done);
}

function validationError(message: string): ServeError {
  return new ServeError("VALIDATION_ERROR", message, {
    errors: [{ loc: [], msg: message, type: "value_error" }],
  });
}

/** Validates a client frame's envelope: `{type, data?}` and nothing else. */
function envelope(frame: unknown): Frame {
  if (typeof frame !== "object" || frame === null || Array.isArray(frame))
    throw validationError('a frame is a JSON object {"type": ..., "data": ...}');
  const { type, ...rest } = frame as Record<string, unknown>;
  const extra = Object.keys(rest).filter((k) => k !== "data");
  if (typeof type !== "string") {
    throw new ServeError(
      "UNKNOWN_TYPE",
      `unknown message type ${JSON.stringify(type) ?? "(none)"}; types: reset, step, state, snapshot, close, mcp`,
    );
  }
  if (extra.length > 0)
    throw validationError(`unknown key '${extra[0]}' in a ${type} frame; allowed: type, data`);
  return { type, data: rest.data };
}

/**
 * Serves one OpenEnv WebSocket: the connection is the session (created by the caller when it accepted the socket).
 * Replies come one per request, in order; `close` gets none; a dropped connection closes the session like `close`.
 */
export function serveOpenEnvSocket(
  socket: WebSocket,
  session: Session,
  ctx: RpcContext & { maxActionChars: number },
): void {
  let clientClosed = false;
  let chain: Promise<void> = Promise.resolve();
  const send = (frame: Frame | undefined) => {
    if (frame && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  };
  session.onClosed = (reason) => {
    if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)
      socket.close(clientClosed ? 1000 : SESSION_ENDED_CLOSE_CODE, `session closed: ${reason}`);
  };

  const answer = async (frame: Frame): Promise<Frame | undefined> => {
    switch (frame.type) {
      case "reset": {
        const args = readArgs(frame.data ?? {}, RESET_FIELDS, { what: "reset data", ignoreUnknown: true });
        const reset = await session.reset(args);
        return {
          type: "observation",
          data: {
            observation: { text: reset.observation, terminated: false, truncated: false, info: reset.info },
            reward: 0,
            done: false,
          },
        };
      }
      case "step":
        return (
          (await mcpAction(frame.data, session, ctx)) ??
          observationFrame(await session.step(readAction(frame.data, ctx.maxActionChars)))
        );
      case "state":
        return { type: "state", data: session.state() };
      case "snapshot":
        // Our extension: the reply is {"type": "snapshot", "data": {snapshot_id, task_id, episode_id, step, ...}};
        // reset with {"snapshot_id": ...} forks it.
        return { type: "snapshot", data: await session.snapshot() };
      case "mcp": {
        const response = await handleRpc(frame.data, { ...ctx, session });
        return response && { type: "mcp", data: response };
      }
      default:
        throw new ServeError(
          "UNKNOWN_TYPE",
          `unknown message type '${frame.type}'; types: reset, step, state, snapshot, close, mcp`,
        );
    }
  };

  socket.on("message", (raw: RawData, isBinary: boolean) => {
    let parsed: unknown;
    try {
      if (isBinary) throw new Error("binary frame");
      parsed = JSON.parse(raw.toString());
    } catch {
      chain = chain.then(() =>
        send({ type: "error", data: { message: "the frame is not JSON text", code: "INVALID_JSON" } }),
      );
      return;
    }
    // `close` acts at once: a step in flight is interrupted rather than waited for.
    if (typeof parsed === "object" && parsed !== null && (parsed as { type?: unknown }).type === "close") {
      clientClosed = true;
      void session.close("close");
      return;
    }
    chain = chain.then(async () => {
      try {
        send(await answer(envelope(parsed)));
      } catch (error) {
        send(errorFrame(error));
        if (error instanceof ServeError && error.code === "SESSION_ERROR")
          socket.close(1011, "session error");
      }
    });
  });
  socket.on("close", () => void session.close(clientClosed ? "close" : "disconnect"));
  socket.on("error", () => void session.close("disconnect"));
}

/** Refuses a socket that cannot have a session (capacity): one error frame, then close. */
export function refuseSocket(socket: WebSocket, error: unknown): void {
  socket.send(JSON.stringify(errorFrame(error)));
  socket.close(1013, "capacity reached");
}
