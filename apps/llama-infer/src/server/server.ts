/**
 * The HTTP server of `llama-infer serve`: routes, JSON responses, the error boundary. Node's own
 * `http` module: the server is seven routes, one JSON body reader and one SSE writer, and it
 * must control exactly when bytes go out (refusals before a stream opens, one write per token,
 * cancellation on 'close'); a framework would add a dependency without removing any of that.
 *
 *   GET  /                      the chat page (web/)
 *   GET  /health                status, pool size, hits, evictions, queue (JSON)
 *   GET  /v1/models[/ID]        the one model served
 *   POST /v1/chat/completions   OpenAI chat completions (stream or whole)
 *   POST /v1/completions        OpenAI completions (a plain prompt)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ServingEngine } from "@mini/llm";
import { ApiError } from "./api-error.js";
import { handleCompletion, methodNotAllowed, type CompletionContext } from "./completion-handler.js";
import { modelObject } from "./openai-responses.js";
import { readStaticFile, WEB_DIR } from "./static-files.js";

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
}

export interface RunningServer {
  /** e.g. "http://127.0.0.1:8080" */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** Stops accepting and closes every connection (their generations are cancelled). */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 1 << 20;

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const startedAt = Math.floor(Date.now() / 1000);
  const webDir = opts.webDir ?? WEB_DIR;
  const ctx: CompletionContext = {
    engine: opts.engine,
    modelId: opts.modelId,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    sendJson,
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
    // Browsers on other origins may call the API (a page of their own, a notebook).
    res.setHeader("Access-Control-Allow-Origin", "*");
    if (method === "OPTIONS") {
      res.writeHead(204, { "Access-Control-Allow-Methods": "GET, POST, OPTIONS", "Access-Control-Allow-Headers": "Content-Type, Authorization" });
      res.end();
      return;
    }
    if (path === "/v1/chat/completions" || path === "/v1/completions") {
      if (method !== "POST") throw methodNotAllowed(method, path, "POST");
      return handleCompletion(path === "/v1/completions" ? "text" : "chat", req, res, ctx);
    }
    if (method !== "GET" && method !== "HEAD") {
      if (path === "/health" || path.startsWith("/v1/models") || path === "/") throw methodNotAllowed(method, path, "GET");
      throw notFound(method, path);
    }
    if (path === "/health") return sendJson(res, 200, { status: "ok", model: opts.modelId, uptime_s: Math.floor(Date.now() / 1000) - startedAt, ...opts.engine.stats() });
    if (path === "/v1/models") return sendJson(res, 200, { object: "list", data: [modelObject(opts.modelId, startedAt)] });
    if (path.startsWith("/v1/models/")) {
      const id = safeDecode(path.slice("/v1/models/".length));
      if (id !== opts.modelId) throw new ApiError(404, `the model '${id}' does not exist; this server serves '${opts.modelId}'`, "not_found_error", "model", "model_not_found");
      return sendJson(res, 200, modelObject(opts.modelId, startedAt));
    }
    const file = await readStaticFile(webDir, path);
    if (file === null) throw notFound(method, path);
    res.writeHead(200, { "Content-Type": file.type, "Content-Length": file.body.length, "Cache-Control": "no-cache" });
    res.end(method === "HEAD" ? undefined : file.body);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      const err = e instanceof ApiError ? e : new ApiError(500, `internal error: ${e instanceof Error ? e.message : String(e)}`, "server_error");
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
    server.listen(opts.port ?? 8080, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
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
  return new ApiError(404, `no route for ${method} ${path}; see GET /v1/models, POST /v1/chat/completions, POST /v1/completions, GET /health`, "not_found_error", null, "unknown_url");
}
