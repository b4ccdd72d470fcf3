/**
 * POST /v1/chat/completions and /v1/completions: validate, submit to the engine, answer whole or
 * streamed. Everything that can be refused (400, 404, 503) is refused before the first byte, so
 * a stream that opens has been accepted. A client that goes away cancels its generation, which
 * frees its cache for the next request. Each accepted request is registered in `inFlight` until
 * it ends, so a draining server can end the ones still running (see InFlight).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ServeJob, ServeResult, ServingEngine, TokenLogprob } from "@mini/llm/serving";
import { ApiError, toApiError } from "./api-error.js";
import type { InFlight } from "./in-flight.js";
import { parseChatRequest, parseCompletionRequest } from "./openai-params.js";
import { ResponseIds, type ApiKind } from "./openai-responses.js";
import { readJsonBody } from "./request-body.js";
import type { RequestLimits } from "./request-limits.js";
import { SseStream } from "./sse.js";

export interface CompletionContext {
  engine: ServingEngine;
  modelId: string;
  maxBodyBytes: number;
  limits: RequestLimits;
  inFlight: InFlight;
  sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void;
  /** Logs an unexpected failure under the request's id; returns the 500 to answer. */
  internalError(requestId: string, e: unknown): ApiError;
}

export async function handleCompletion(kind: ApiKind, req: IncomingMessage, res: ServerResponse, ctx: CompletionContext, requestId: string): Promise<void> {
  const body = await readJsonBody(req, ctx.maxBodyBytes, ctx.limits.maxDepth);
  const params = kind === "chat" ? parseChatRequest(body, ctx.modelId, ctx.limits) : parseCompletionRequest(body, ctx.modelId, ctx.limits);
  const promptParam = kind === "chat" ? "messages" : "prompt";
  ctx.inFlight.refuseIfDraining();
  const ids = new ResponseIds(kind, ctx.modelId);
  const sse = params.stream ? new SseStream(res) : null;
  const withLogprobs = params.logprobs !== undefined;
  let streamed = 0; // logprob entries sent in chunks so far
  const sendPiece = (sse: SseStream, piece: string, lp: readonly TokenLogprob[]): void => {
    streamed += lp.length;
    sse.send(ids.chunk({ content: piece }, null, withLogprobs ? lp : undefined));
  };
  let job: ServeJob;
  try {
    job = ctx.engine.submit({
      prompt: params.prompt,
      sampling: params.sampling,
      ...(params.maxTokens === undefined ? {} : { maxTokens: params.maxTokens }),
      stop: params.stop,
      ...(params.logprobs === undefined ? {} : { logprobs: params.logprobs }),
      // Only called from later scheduler steps, after the stream below is open.
      ...(sse === null ? {} : { onText: (piece: string, lp: readonly TokenLogprob[]) => sendPiece(sse, piece, lp) }),
    });
  } catch (e) {
    throw toApiError(e, promptParam);
  }
  // Ends this request early (server shutdown): an error chunk and [DONE], or a 503.
  const endEarly = (err: ApiError) => {
    if (sse !== null) {
      sse.send(err.toJSON());
      sse.done();
    } else if (!res.headersSent) ctx.sendJson(res, err.status, err.toJSON(), err.headers);
    job.cancel();
  };
  const untrack = ctx.inFlight.add(endEarly);
  try {
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
      const err = toApiError(e, promptParam);
      const answer = err.status === 500 ? ctx.internalError(requestId, e) : err;
      if (sse === null) throw answer;
      sse.send(answer.toJSON());
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
    // ids whose text was held back (a stop string) or empty come with the last chunk
    sse.send(ids.chunk({}, finishReason, withLogprobs ? (result.logprobs ?? []).slice(streamed) : undefined));
    if (params.includeUsage) sse.send(ids.usageChunk(result));
    sse.done();
  } finally {
    untrack();
  }
}

/** Refuses a method on a known route. */
export function methodNotAllowed(method: string, path: string, allow: string): ApiError {
  return new ApiError(405, `${method} is not allowed on ${path}; use ${allow}`, "invalid_request_error", null, "method_not_allowed", { Allow: allow });
}
