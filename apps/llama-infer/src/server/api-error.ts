/**
 * Errors in OpenAI's shape, `{ error: { message, type, param, code } }`, with their HTTP status,
 * and the translation of @mini/llm's errors (which name the library's option) into them (naming
 * the API parameter the client sent).
 */
import { ChatTemplateError, OptionError, PromptTooLongError } from "@mini/llm";
import { QueueFullError } from "@mini/llm/serving";

export type ApiErrorType = "invalid_request_error" | "not_found_error" | "server_error" | "overloaded_error";

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly type: ApiErrorType = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** Extra response headers (Retry-After, Allow). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** 400 naming the parameter: "invalid 'top_p': must be in (0, 1], got 1.5". */
export function invalidParam(param: string, rule: string, value?: unknown): ApiError {
  const got = value === undefined ? "" : `, got ${describe(value)}`;
  return new ApiError(400, `invalid '${param}': ${rule}${got}`, "invalid_request_error", param, "invalid_value");
}

/** Library option field → the API parameter it came from. */
const PARAMS: Record<string, string> = {
  temperature: "temperature",
  topK: "top_k",
  topP: "top_p",
  minP: "min_p",
  repetitionPenalty: "repetition_penalty",
  seed: "seed",
  maxNewTokens: "max_tokens",
  stop: "stop",
};

/** Maps a failure of `engine.submit` to its response; other errors become a 500. */
export function toApiError(e: unknown, promptParam: "messages" | "prompt"): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof OptionError) {
    const param = e.option === "prompt" ? promptParam : (PARAMS[e.option] ?? e.option);
    return new ApiError(400, `invalid '${param}': ${e.rule}, got ${String(e.value)}`, "invalid_request_error", param, "invalid_value");
  }
  if (e instanceof PromptTooLongError) {
    return new ApiError(
      400,
      `the prompt ('${promptParam}') is ${e.promptTokens} tokens; this server's context length is ${e.contextLength} tokens` +
        " (the prompt must leave room for at least one new token)",
      "invalid_request_error",
      promptParam,
      "context_length_exceeded",
    );
  }
  if (e instanceof ChatTemplateError) return new ApiError(400, `'messages': ${e.message}`, "invalid_request_error", "messages", "invalid_value");
  if (e instanceof QueueFullError) return new ApiError(503, e.message, "overloaded_error", null, "queue_full", { "Retry-After": "1" });
  return new ApiError(500, `internal error: ${e instanceof Error ? e.message : String(e)}`, "server_error");
}

function describe(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === null || typeof v !== "object") return String(v);
  if (!Array.isArray(v)) return "an object";
  return v.length === 0 ? "an empty array" : `an array of ${v.length}`;
}
