/**
 * The HTTP server of `llama-infer serve`: routes, JSON responses, the error boundary. Node's own
 * `http` module: the server is a few routes, one JSON body reader and one SSE writer, and it
 * must control exactly when bytes go out (refusals before a stream opens, one write per token,
 * cancellation on 'close'); a framework would add a dependency without removing any of that.
 *
 *   GET  /                      the chat page (web/), and its favicon
 *   GET  /health                status, pool, queue (JSON; no API key needed)
 *   GET  /metrics               Prometheus text format
 *   GET  /v1/models[/ID]        the one model served
 *   POST /v1/chat/completions   OpenAI chat completions (stream or whole)
 *   POST /v1/completions        OpenAI completions (a plain prompt)
 *   POST /tokenize              {messages} → the prompt's token count and the context length
 *                               (the chat page uses it to drop old turns before they overflow)
 *
 * Every request first passes the AccessPolicy (Host, Origin, API key: access.ts) and gets an
 * `X-Request-Id`; an unexpected failure is logged with that id and answered 500 naming it.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServingEngine } from "@mini/llm/serving";
import { AccessPolicy } from "./access.js";
import { ApiError } from "./api-error.js";
import { handleCompletion, methodNotAllowed, type CompletionContext } from "./completion-handler.js";
import { InFlight } from "./in-flight.js";
import { CONTENT_TYPE as METRICS_TYPE } from "./metrics.js";
import { modelObject } from "./openai-responses.js";
import { parseMessages } from "./openai-params.js";
import { readJsonBody } from "./request-body.js";
import { DEFAULT_LIMITS, type RequestLimits } from "./request-limits.js";
import { ServerMetrics } from "./server-metrics.js";
import { chatPageMissing, isStaticPath, readStaticFile, WEB_DIR } from "./static-files.js";

export interface ServerOptions {
  engine: ServingEngine;
  /** The name clients pass as `model` (the model directory's name). */
  modelId: string;
  host?: string;
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** Largest request body accepted. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Directory of the chat page. Default apps/llama-infer/web. */
  webDir?: string;
  /** Required as `Authorization: Bearer …` on every route but /health and the page. */
  apiKey?: string | undefined;
  /** One browser origin allowed to call the API (CORS). Default: none. */
  corsOrigin?: string | undefined;
  limits?: Partial<RequestLimits>;
  /** The engine's observer (the latency histograms): pass the one the engine was made with. */
  metrics?: ServerMetrics;
  /** Where unexpected errors are logged (one line each, with the request id). Default stderr. */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** e.g. "http://127.0.0.1:8080" */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops accepting and closes every connection (their generations are cancelled). */
  close(): Promise<void>;
  /**
   * Graceful shutdown: stop accepting, let running completions finish within `timeoutMs`, end
   * the rest early (an error chunk and [DONE]), then close.
   */
  drain(timeoutMs: number): Promise<{ finished: number; endedEarly: number }>;
}

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

/** Routes anyone may read (no API key): liveness, and the page's files (the page then asks for the key). */
const isPublic = (path: string): boolean => path === "/health" || isStaticPath(path);

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const startedAt = Math.floor(Date.now() / 1000);
  const webDir = opts.webDir ?? WEB_DIR;
  const pageMissing = chatPageMissing(webDir);
  const bindHost = opts.host ?? "127.0.0.1";
  const access = new AccessPolicy({ apiKey: opts.apiKey, corsOrigin: opts.corsOrigin, bindHost });
  const metrics = opts.metrics ?? new ServerMetrics();
  metrics.engine = opts.engine;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const inFlight = new InFlight();
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const internalError = (requestId: string, e: unknown): ApiError => {
    log(`llama-infer serve: request ${requestId} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return new ApiError(500, `internal error (request id ${requestId}); the server log has the details`, "server_error", null, "internal_error");
  };
  const ctx: CompletionContext = {
    engine: opts.engine,
    modelId: opts.modelId,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    limits,
    inFlight,
    sendJson,
    internalError,
  };

  async function route(req: IncomingMessage, res: ServerResponse, path: string, requestId: string): Promise<void> {
    const method = req.method ?? "GET";
    const cors = access.checkSource(req);
    for (const [k, v] of Object.entries(cors)) res.setHeader(k, v);
    if (method === "OPTIONS") {
      // Only a preflight from --cors-origin gets here (checkSource refused the others).
      res.writeHead(204, { "Access-Control-Allow-Methods": "GET, POST, OPTIONS", "Access-Control-Allow-Headers": "Content-Type, Authorization", "Access-Control-Max-Age": "600" });
      res.end();
      return;
    }
    if (!isPublic(path)) access.checkKey(req);
    if (path === "/v1/chat/completions" || path === "/v1/completions") {
      if (method !== "POST") throw methodNotAllowed(method, path, "POST");
      return handleCompletion(path === "/v1/completions" ? "text" : "chat", req, res, ctx, requestId);
    }
    if (path === "/tokenize") {
      if (method !== "POST") throw methodNotAllowed(method, path, "POST");
      const body = await readJsonBody(req, ctx.maxBodyBytes, limits.maxDepth);
      const messages = parseMessages(body["messages"], limits);
      return sendJson(res, 200, { tokens: opts.engine.encodePrompt({ messages }).length, context_length: opts.engine.contextLength });
    }
    if (method !== "GET" && method !== "HEAD") {
      if (["/health", "/metrics", "/"].includes(path) || path.startsWith("/v1/models")) throw methodNotAllowed(method, path, "GET");
      throw notFound(method, path);
    }
    if (path === "/health") return sendJson(res, 200, { status: inFlight.isDraining ? "draining" : "ok", model: opts.modelId, uptime_s: Math.floor(Date.now() / 1000) - startedAt, ...opts.engine.stats() });
    if (path === "/metrics") {
      const text = metrics.expose();
      res.writeHead(200, { "Content-Type": METRICS_TYPE, "Content-Length": Buffer.byteLength(text) });
      res.end(method === "HEAD" ? undefined : text);
      return;
    }
    if (path === "/v1/models") return sendJson(res, 200, { object: "list", data: [modelObject(opts.modelId, startedAt, opts.engine.contextLength)] });
    if (path.startsWith("/v1/models/")) {
      const id = safeDecode(path.slice("/v1/models/".length));
      if (id !== opts.modelId) throw new ApiError(404, `the model '${id}' does not exist; this server serves '${opts.modelId}'`, "not_found_error", "model", "model_not_found");
      return sendJson(res, 200, modelObject(opts.modelId, startedAt, opts.engine.contextLength));
    }
    if (pageMissing !== null && isStaticPath(path)) throw new ApiError(404, pageMissing, "not_found_error", null, "unknown_url");
    const file = await readStaticFile(webDir, path);
    if (file === null) throw notFound(method, path);
    res.writeHead(200, { "Content-Type": file.type, "Content-Length": file.body.length, "Cache-Control": "no-cache" });
    res.end(method === "HEAD" ? undefined : file.body);
  }

  const server = createServer((req, res) => {
    const requestId = `req_${randomBytes(8).toString("hex")}`;
    res.setHeader("X-Request-Id", requestId);
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
    res.on("finish", () => metrics.countRequest(path, res.statusCode));
    route(req, res, path, requestId).catch((e: unknown) => {
      const err = e instanceof ApiError ? e : internalError(requestId, e);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJson(res, err.status, err.toJSON(), err.headers);
    });
  });
  // Malformed HTTP never reaches a handler: answer 400 and close that connection only.
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8080, bindHost, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((e) => (e ? reject(e) : resolve()));
      server.closeAllConnections();
    });
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    close,
    drain: async (timeoutMs: number) => {
      // No new connections; idle keep-alive ones are closed, busy ones get 503 for new requests.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const outcome = await inFlight.drain(timeoutMs);
      // Let the last chunks flush before the sockets go.
      await new Promise((r) => setImmediate(r));
      server.closeAllConnections();
      await closed;
      return outcome;
    },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function notFound(method: string, path: string): ApiError {
  return new ApiError(404, `no route for ${method} ${path}; see GET /v1/models, POST /v1/chat/completions, POST /v1/completions, GET /health, GET /metrics`, "not_found_error", null, "unknown_url");
}
