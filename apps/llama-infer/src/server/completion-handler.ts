/**
 * POST /v1/chat/completions and /v1/completions: validate, submit to the engine, answer whole or
 * streamed. Everything that can be refused (400, 404, 503) is refused before the first byte, so
 * a stream that opens has been accepted. A client that goes away cancels its generation, which
 * frees its cache for the next request.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServeJob, ServeResult, ServingEngine } from "@mini/llm";
import { ApiError, toApiError } from "./api-error.js";
import { parseChatRequest, parseCompletionRequest } from "./openai-params.js";
import { ResponseIds, type ApiKind } from "./openai-responses.js";
import { readJsonBody } from "./request-body.js";
import { SseStream } from "./sse.js";

export interface CompletionContext {
  engine: ServingEngine;
  modelId: string;
  maxBodyBytes: number;
  sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void;
}

export async function handleCompletion(kind: ApiKind, req: IncomingMessage, res: ServerResponse, ctx: CompletionContext): Promise<void> {
  const body = await readJsonBody(req, ctx.maxBodyBytes);
  const params = kind === "chat" ? parseChatRequest(body, ctx.modelId) : parseCompletionRequest(body, ctx.modelId);
  const ids = new ResponseIds(kind, ctx.modelId);
  const sse = params.stream ? new SseStream(res) : null;
  let job: ServeJob;
  try {
    job = ctx.engine.submit({
      prompt: params.prompt,
      sampling: params.sampling,
      ...(params.maxTokens === undefined ? {} : { maxTokens: params.maxTokens }),
      stop: params.stop,
      // Only called from later scheduler steps, after the stream below is open.
      ...(sse === null ? {} : { onText: (piece: string) => sse.send(ids.chunk({ content: piece })) }),
    });
  } catch (e) {
    throw toApiError(e, kind === "chat" ? "messages" : "prompt");
  }
  // The client hung up before the end: stop generating.
  res.on("close", () => {
    if (!res.writableFinished) job.cancel();
  });
  if (sse !== null) {
    sse.open({ "X-Seed": String(job.seed) });
    if (kind === "chat") sse.send(ids.chunk({ role: "assistant", content: "" }));
  }
  let result: ServeResult;
  try {
    result = await job.result;
  } catch (e) {
    const err = toApiError(e, kind === "chat" ? "messages" : "prompt");
    if (sse === null) throw err;
    sse.send(err.toJSON());
    sse.done();
    return;
  }
  if (result.finishReason === "cancelled") {
    if (!res.writableEnded) res.destroy();
    return;
  }
  const finishReason = result.finishReason;
  if (sse === null) {
    ctx.sendJson(res, 200, ids.complete(result, finishReason), { "X-Seed": String(result.seed) });
    return;
  }
  sse.send(ids.chunk({}, finishReason));
  if (params.includeUsage) sse.send(ids.usageChunk(result));
  sse.done();
}

/** Refuses a method on a known route. */
export function methodNotAllowed(method: string, path: string, allow: string): ApiError {
  return new ApiError(405, `${method} is not allowed on ${path}; use ${allow}`, "invalid_request_error", null, "method_not_allowed", { Allow: allow });
}
