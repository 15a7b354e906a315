import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { WebSocketServer } from "ws";
import { ConfigError } from "../errors.js";
import { loadToolset } from "../tools/index.js";
import { ServeError } from "./errors.js";
import { handleApi, readJson, sendError, sendJson } from "./http-api.js";
import { handleRpc, type RpcContext } from "./mcp.js";
import { refuseSocket, serveOpenEnvSocket } from "./openenv-ws.js";
import { actionSchema, observationSchema, openApiDocument, stateSchema } from "./schema.js";
import { SessionManager, type SessionOptions } from "./sessions.js";

/** Options of `mlgym serve`. */
export interface ServeOptions extends Omit<SessionOptions, "maxActionChars"> {
  /** Bearer token every request but /health, /metadata, /schema and /openapi.json must carry. */
  token?: string | undefined;
  /** Characters an action may have (default 256 KiB). */
  maxActionChars?: number;
  /** Version of mlgym, for /metadata and MCP's serverInfo. */
  version?: string;
}

/** A running server. */
export interface MLGymServer {
  readonly http: Server;
  readonly manager: SessionManager;
  /** Base URL once listening (`http://host:port`). */
  readonly url: string;
  /** Closes every session (trajectories written), then the server. */
  close(reason?: string): Promise<void>;
}

const DEFAULT_MAX_ACTION_CHARS = 256 * 1024;
/** WebSocket frames larger than this close the connection (OpenEnv's client allows 100 MB). */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** True for hosts that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function tokenOf(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers.authorization;
  const bearer = header && /^Bearer\s+(.+)$/i.exec(header)?.[1];
  return bearer || url.searchParams.get("token") || undefined;
}

function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function metadata(manager: SessionManager, version: string) {
  const tasks = manager.taskIds;
  return {
    name: "mlgym",
    description: `MLGym: AI research tasks as Gym environments. Choose a task with reset(task_id=...); the action is {"command": "<shell command or tool>"}. Tasks: ${tasks.join(", ")}.`,
    readme_content: null,
    version,
    author: "mlgym-ts",
    documentation_url: null,
    tasks,
  };
}

/** Starts `mlgym serve`: OpenEnv's WebSocket at /ws, its HTTP endpoints, MCP at /mcp and the API under /api/v1. */
export async function startServer(
  options: ServeOptions & { host: string; port: number },
): Promise<MLGymServer> {
  if (!isLoopback(options.host) && !options.token) {
    throw new ConfigError(
      `a token is required when the server listens on a host other than loopback ('${options.host}'): pass --token <secret> (clients send 'Authorization: Bearer <secret>'), or use --host 127.0.0.1`,
      { field: "--token" },
    );
  }
  const manager = new SessionManager({
    ...options,
    maxActionChars: options.maxActionChars ?? DEFAULT_MAX_ACTION_CHARS,
  });
  const version = options.version ?? "0.0.0";
  const ctx: RpcContext & { maxActionChars: number } = {
    manager,
    toolset: loadToolset(),
    version,
    maxActionChars: manager.options.maxActionChars,
  };
  const token = options.token;

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://server");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    if (method === "GET") {
      if (path === "/health") return sendJson(res, 200, { status: "healthy" });
      if (path === "/metadata") return sendJson(res, 200, metadata(manager, version));
      if (path === "/schema")
        return sendJson(res, 200, {
          action: actionSchema,
          observation: observationSchema,
          state: stateSchema,
        });
      if (path === "/openapi.json" || path === "/api/v1/openapi.json")
        return sendJson(res, 200, openApiDocument());
    }
    const authorized = !token || sameToken(tokenOf(req, url), token);
    if (path === "/mcp") {
      if (method !== "POST")
        return sendJson(res, 405, {
          error: { code: "VALIDATION_ERROR", message: "POST /mcp (JSON-RPC 2.0)" },
        });
      if (!authorized) {
        return sendJson(res, 401, {
          jsonrpc: "2.0",
          id: null,
          error: { code: -32001, message: "unauthorized: send Authorization: Bearer <token>" },
        });
      }
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (error) {
        return sendJson(res, 200, {
          jsonrpc: "2.0",
          id: null,
          error: { code: -32700, message: (error as Error).message },
        });
      }
      const response = await handleRpc(body, ctx);
      if (!response) {
        res.writeHead(202).end();
        return;
      }
      return sendJson(res, 200, response);
    }
    if (path.startsWith("/api/v1/")) {
      if (!authorized)
        throw new ServeError("UNAUTHORIZED", "send Authorization: Bearer <token> (the server's --token)");
      if (await handleApi(req, res, path, manager)) return;
    }
    throw new ServeError("NOT_FOUND", `no endpoint ${method} ${path}; see /openapi.json`);
  };

  const http = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      sendError(res, error);
      // A refused body may still be arriving: stop reading it.
      if (!req.complete) req.destroy();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  http.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? "/", "http://server");
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (url.pathname !== "/ws") return refuse("404 Not Found");
    if (token && !sameToken(tokenOf(req, url), token)) return refuse("401 Unauthorized");
    wss.handleUpgrade(req, socket, head, (ws) => {
      let session: ReturnType<SessionManager["create"]>;
      try {
        session = manager.create("ws");
      } catch (error) {
        refuseSocket(ws, error);
        return;
      }
      serveOpenEnvSocket(ws, session, ctx);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    http,
    manager,
    url: `http://${shownHost}:${address.port}`,
    close(reason = "shutdown") {
      closing ??= (async () => {
        http.close();
        await manager.closeAll(reason);
        manager.snapshots.close();
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.closeAllConnections();
      })();
      return closing;
    },
  };
}
