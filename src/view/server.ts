import { timingSafeEqual } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join } from "node:path";
import { projectRoot } from "../runtime/paths.js";
import { headlineTables } from "./headline.js";
import { facets, parseListQuery, queryRuns } from "./list-query.js";
import { runDetail } from "./run-detail.js";
import { RunIndex, type RunIndexOptions } from "./run-index.js";
import { runFiles } from "./run-row.js";

/** Options of {@link startViewServer}. */
export interface ViewServerOptions extends RunIndexOptions {
  root: string;
  port?: number;
  host?: string;
  /** Required on every request when set (header `Authorization: Bearer`, `?token=` or the cookie it sets). */
  token?: string;
  /** How often a followed run's files are checked for changes (ms). */
  pollMs?: number;
  /** Folder of the web app (default `<project>/web`). */
  webDir?: string;
}

/** A started viewer: its URL (with the token when there is one) and how to stop it. */
export interface ViewServer {
  url: string;
  index: RunIndex;
  server: Server;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};
/** The most steps one `/api/steps` call returns. */
const MAX_STEPS = 200;
const COOKIE = "mlgym_view_token";

/** Whether a host name is the loopback interface (no token needed there). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) =>
    typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
  );
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/** Serves the viewer of a runs folder: the web app from `web/` and its JSON API under `/api/`. */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const host = options.host ?? "127.0.0.1";
  const index = new RunIndex(
    options.root,
    options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir },
  );
  const tables = headlineTables(index);
  const webDir = options.webDir ?? join(projectRoot(), "web");
  const assets = new Set(existsSync(webDir) ? readdirSync(webDir).filter((n) => MIME[extname(n)]) : []);
  const pollMs = options.pollMs ?? 500;
  const followers = new Set<NodeJS.Timeout>();
  // The first index runs in the background: the first page shows the runs read so far.
  void index.refresh().catch(() => {});

  const authorised = (req: IncomingMessage, url: URL, res: ServerResponse): boolean => {
    const token = options.token;
    if (!token) {
      // Loopback without a token: refuse pages asked for under another host name (DNS rebinding).
      const name = (req.headers.host ?? "").replace(/:\d+$/, "");
      return isLoopback(name) || name === "";
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const cookie = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`).exec(req.headers.cookie ?? "")?.[1];
    const query = url.searchParams.get("token");
    const given = bearer ?? query ?? (cookie ? decodeURIComponent(cookie) : undefined);
    if (given === undefined || !sameSecret(given, token)) return false;
    if (query)
      res.setHeader(
        "set-cookie",
        `${COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
      );
    return true;
  };

  const follow = (req: IncomingMessage, res: ServerResponse, id: string) => {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      connection: "keep-alive",
    });
    const signature = () => runFiles(index.dirOf(id), index.row(id)?.taskId ?? "").signature;
    let last = signature();
    res.write(`event: ready\ndata: ${JSON.stringify({ signature: last })}\n\n`);
    const timer = setInterval(() => {
      const now = signature();
      if (now === last) return;
      last = now;
      const row = index.refreshRun(id);
      res.write(
        `event: change\ndata: ${JSON.stringify({ steps: row?.steps ?? 0, exitStatus: row?.exitStatus })}\n\n`,
      );
    }, pollMs);
    followers.add(timer);
    req.on("close", () => {
      clearInterval(timer);
      followers.delete(timer);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://viewer");
    if (!authorised(req, url, res)) {
      sendJson(res, 401, { error: "a valid token is required (open the URL `mlgym view` printed)" });
      return;
    }
    if (req.method !== "GET") {
      sendJson(res, 405, { error: "only GET" });
      return;
    }
    const path = url.pathname;
    if (!path.startsWith("/api/")) {
      const name = path === "/" ? "index.html" : path.slice(1);
      if (!assets.has(name)) {
        sendJson(res, 404, { error: `no such page: ${path}` });
        return;
      }
      res.writeHead(200, {
        "content-type": MIME[extname(name)] ?? "text/plain",
        "cache-control": "no-cache",
      });
      res.end(readFileSync(join(webDir, name)));
      return;
    }
    const id = url.searchParams.get("id") ?? "";
    const known = async () => {
      // A run asked for while the first index is still being built waits for it.
      if (!index.row(id) && index.busy) await index.refresh();
      if (index.row(id)) return true;
      sendJson(res, 404, { error: `no run '${id}' in ${index.root}` });
      return false;
    };
    switch (path) {
      case "/api/runs": {
        const rows = await index.fresh();
        sendJson(res, 200, {
          root: index.root,
          ...queryRuns(rows, parseListQuery(url.searchParams)),
          facets: facets(rows),
          indexing: index.progress ?? null,
        });
        return;
      }
      case "/api/run": {
        if (!(await known())) return;
        index.refreshRun(id);
        sendJson(res, 200, runDetail(index, id));
        return;
      }
      case "/api/steps": {
        if (!(await known())) return;
        const file = index.filesOf(id)?.trajectory;
        const from = Math.max(0, Number(url.searchParams.get("from")) || 0);
        const to = Math.min(from + MAX_STEPS, Number(url.searchParams.get("to")) || from + 20);
        const steps = file ? index.trajectories.steps(file, from, to) : [];
        sendJson(res, 200, { from, steps, total: file ? index.trajectories.stepCount(file) : 0 });
        return;
      }
      case "/api/tables":
        sendJson(res, 200, await tables());
        return;
      case "/api/events":
        if (await known()) follow(req, res, id);
        return;
      default:
        sendJson(res, 404, { error: `no such endpoint: ${path}` });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: (error as Error).message });
      else res.end();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ""}`,
    index,
    server,
    close: () =>
      new Promise<void>((ok) => {
        for (const timer of followers) clearInterval(timer);
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
