import type { IncomingMessage, ServerResponse } from "node:http";
import { ServeError } from "./errors.js";
import { CREATE_FIELDS, RESET_FIELDS, readAction, readArgs, settingsOf } from "./requests.js";
import type { SessionManager } from "./sessions.js";

/** Bodies larger than this are refused before they are read to the end. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Sends the HTTP API's error body `{"error": {"code", "message"}}` with the code's status. */
export function sendError(res: ServerResponse, error: unknown): void {
  const e =
    error instanceof ServeError
      ? error
      : new ServeError("EXECUTION_ERROR", (error as Error).message ?? String(error));
  sendJson(res, e.status, { error: { code: e.code, message: e.message, ...e.details } });
}

/** Reads a JSON body (empty: undefined); bad JSON and oversize bodies are VALIDATION_ERRORs. */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        refused = true;
        reject(new ServeError("VALIDATION_ERROR", `the request body is larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", reject);
    req.on("end", () => {
      if (refused) return;
      const text = Buffer.concat(chunks).toString("utf8");
      if (!text.trim()) return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(new ServeError("VALIDATION_ERROR", `the body is not valid JSON: ${(error as Error).message}`));
      }
    });
  });
}

/**
 * The stateful HTTP API under `/api/v1` (tasks, envs: create, reset, step, state, snapshot, delete; snapshots:
 * list, delete). Returns false when
 * the path is not one of its own.
 */
export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  manager: SessionManager,
): Promise<boolean> {
  const method = req.method ?? "GET";
  const allow = (allowed: string) => {
    if (method === allowed) return;
    res.setHeader("allow", allowed);
    throw new ServeError(
      "VALIDATION_ERROR",
      `${method} ${path}: method not allowed; use ${allowed}`,
      {},
      undefined,
      405,
    );
  };
  if (path === "/api/v1/tasks") {
    allow("GET");
    sendJson(res, 200, { tasks: manager.listTasks() });
    return true;
  }
  if (path === "/api/v1/sessions") {
    allow("GET");
    sendJson(res, 200, { active_sessions: manager.size, max_sessions: manager.options.maxEnvs });
    return true;
  }
  if (path === "/api/v1/envs") {
    allow("POST");
    const args = readArgs(await readJson(req), CREATE_FIELDS, { what: "POST /api/v1/envs" });
    if (args.taskId === undefined) manager.resolveTask(undefined); // task_id is required unless one task is served
    const session = manager.create("http", settingsOf(args), args.taskId ?? manager.resolveTask(undefined));
    sendJson(res, 201, { env_id: session.id, task_id: session.taskId });
    return true;
  }
  if (path === "/api/v1/snapshots") {
    allow("GET");
    sendJson(res, 200, { snapshots: manager.listSnapshots() });
    return true;
  }
  const snap = /^\/api\/v1\/snapshots\/([^/]+)$/.exec(path);
  if (snap) {
    allow("DELETE");
    await manager.deleteSnapshot(decodeURIComponent(snap[1]!));
    sendJson(res, 200, { deleted: true });
    return true;
  }
  const m = /^\/api\/v1\/envs\/([^/]+)(?:\/(reset|step|state|snapshot))?$/.exec(path);
  if (!m) return false;
  const id = decodeURIComponent(m[1]!);
  const action = m[2];
  if (action === undefined) {
    allow("DELETE");
    await manager.get(id).close("close");
    sendJson(res, 200, { closed: true });
    return true;
  }
  if (action === "state") {
    allow("GET");
    const { task_id, episode_id, step_count, done, policy_version } = manager.get(id).state();
    sendJson(res, 200, { env_id: id, task_id, episode_id, step_count, done, policy_version });
    return true;
  }
  allow("POST");
  const session = manager.get(id);
  const body = await readJson(req);
  if (action === "snapshot") {
    readArgs(body, [], { what: "a snapshot" });
    sendJson(res, 201, await session.snapshot());
    return true;
  }
  if (action === "reset") {
    const reset = await session.reset(readArgs(body, RESET_FIELDS, { what: "a reset" }));
    sendJson(res, 200, reset);
    return true;
  }
  const result = await session.step(readAction(body, manager.options.maxActionChars, true));
  sendJson(res, 200, result);
  return true;
}
