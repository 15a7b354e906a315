import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake provider does with one request. */
export type Reply =
  /** Answers with a JSON body. */
  | { status?: number; headers?: Record<string, string>; json: unknown }
  /** Answers with raw text, by default labelled as JSON (to send malformed JSON). */
  | { status?: number; headers?: Record<string, string>; raw: string }
  /** Never answers, keeping the connection open. */
  | { hang: true }
  /** Sends the headers and half a body, then breaks the connection. */
  | { drop: true };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** `performance.now()` when the request arrived. */
  at: number;
}

/**
 * A provider on 127.0.0.1 that answers with scripted replies in order (the last one repeats) and records every
 * request, so tests exercise the real client code over real HTTP.
 */
export class FakeServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly requests: RecordedRequest[],
  ) {}

  static async start(...replies: Reply[]): Promise<FakeServer> {
    const requests: RecordedRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        requests.push({
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          at: performance.now(),
        });
        const reply = replies[Math.min(requests.length, replies.length) - 1] ?? { json: {} };
        if ("hang" in reply) return;
        if ("drop" in reply) {
          res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
          res.write('{"id": "partial", "choi');
          setTimeout(() => res.socket?.destroy(), 10);
          return;
        }
        const body = "json" in reply ? JSON.stringify(reply.json) : reply.raw;
        res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return new FakeServer(server, `http://127.0.0.1:${port}`, requests);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
