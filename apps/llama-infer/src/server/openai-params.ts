/**
 * The request bodies of POST /v1/chat/completions and /v1/completions, checked for type and
 * shape here (each error names the parameter), translated into a ServeRequest for the engine,
 * which checks the value ranges (and names the same parameter through toApiError).
 *
 * Supported: model, messages | prompt, max_tokens (or max_completion_tokens), temperature, top_p,
 * top_k, min_p, repetition_penalty, seed, stop, stream, stream_options.include_usage, n (= 1),
 * logprobs (chat: true with top_logprobs 0–20; completions: 0–20 alternatives).
 * Parameters that would change the answer and are not implemented (penalties when non-zero, tools,
 * response_format, logit_bias …: unsupported-params.ts) are refused with a 400 naming
 * them; the rest (user, metadata …) are ignored.
 */
import type { ChatMessage, SamplingOptions } from "@mini/llm";
import { MAX_TOP_LOGPROBS, type ServePrompt } from "@mini/llm/serving";
import { ApiError, invalidParam } from "./api-error.js";
import { checkMessageCount, checkTextLength, DEFAULT_LIMITS, type RequestLimits } from "./request-limits.js";
import { refuseUnsupported } from "./unsupported-params.js";

export interface ParsedRequest {
  prompt: ServePrompt;
  sampling: SamplingOptions;
  maxTokens: number | undefined;
  stop: string[];
  stream: boolean;
  /** stream_options.include_usage: a last chunk with `usage` before [DONE]. */
  includeUsage: boolean;
  /** Log-probabilities asked for, with this many alternatives per token; undefined: none. */
  logprobs: number | undefined;
}

type Body = Record<string, unknown>;

const ROLES: Record<string, string> = { system: "system", developer: "system", user: "user", assistant: "assistant" };
const MAX_STOP_STRINGS = 4;

export function parseChatRequest(body: Body, modelId: string, limits: RequestLimits = DEFAULT_LIMITS): ParsedRequest {
  const common = parseCommon(body, modelId);
  refuseUnsupported(body, "chat");
  const top = optionalNumber(body, "top_logprobs");
  const logprobs = optionalBoolean(body, "logprobs") === true ? (top ?? 0) : undefined;
  if (top !== undefined && top !== 0 && logprobs === undefined) throw invalidParam("top_logprobs", "needs 'logprobs': true", top);
  if (logprobs !== undefined) checkTopCount("top_logprobs", logprobs);
  return { ...common, logprobs, prompt: { messages: parseMessages(body["messages"], limits) } };
}

export function parseCompletionRequest(body: Body, modelId: string, limits: RequestLimits = DEFAULT_LIMITS): ParsedRequest {
  const common = parseCommon(body, modelId);
  refuseUnsupported(body, "completion");
  const logprobs = optionalNumber(body, "logprobs");
  if (logprobs !== undefined) checkTopCount("logprobs", logprobs);
  const prompt = parsePrompt(body["prompt"]);
  checkTextLength("text" in prompt ? prompt.text.length : "ids" in prompt ? prompt.ids.length : 0, "prompt", limits);
  return { ...common, logprobs, prompt };
}

function checkTopCount(param: string, v: number): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= MAX_TOP_LOGPROBS)) throw invalidParam(param, `must be an integer in [0, ${MAX_TOP_LOGPROBS}]`, v);
}

function parseCommon(body: Body, modelId: string): Omit<ParsedRequest, "prompt" | "logprobs"> {
  const model = body["model"];
  if (model === undefined || model === null) throw invalidParam("model", `is required (this server serves '${modelId}')`);
  if (typeof model !== "string") throw invalidParam("model", "must be a string", model);
  if (model !== modelId) {
    throw new ApiError(404, `the model '${model}' does not exist; this server serves '${modelId}'`, "not_found_error", "model", "model_not_found");
  }
  const n = optionalNumber(body, "n");
  if (n !== undefined && n !== 1) throw invalidParam("n", "only n = 1 is supported", n);
  for (const p of ["frequency_penalty", "presence_penalty"]) {
    const v = optionalNumber(body, p);
    if (v !== undefined && v !== 0) throw invalidParam(p, "is not supported (use 'repetition_penalty'); only 0 is accepted", v);
  }
  const sampling: SamplingOptions = {};
  const set = (param: string, key: keyof SamplingOptions) => {
    const v = optionalNumber(body, param);
    if (v !== undefined) sampling[key] = v;
  };
  set("temperature", "temperature");
  set("top_p", "topP");
  set("top_k", "topK");
  set("min_p", "minP");
  set("repetition_penalty", "repetitionPenalty");
  set("seed", "seed");
  const maxTokens = optionalNumber(body, "max_tokens") ?? optionalNumber(body, "max_completion_tokens");
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens >= 1)) {
    throw invalidParam(body["max_tokens"] !== undefined && body["max_tokens"] !== null ? "max_tokens" : "max_completion_tokens", "must be an integer ≥ 1", maxTokens);
  }
  const stream = optionalBoolean(body, "stream") ?? false;
  const options = body["stream_options"];
  if (options !== undefined && options !== null && (typeof options !== "object" || Array.isArray(options))) {
    throw invalidParam("stream_options", "must be an object", options);
  }
  const includeUsage = options ? optionalBoolean(options as Body, "include_usage", "stream_options.include_usage") === true : false;
  return { sampling, maxTokens, stop: parseStop(body["stop"]), stream, includeUsage };
}

function optionalNumber(body: Body, param: string): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw invalidParam(param, "must be a number", v);
  return v;
}

function optionalBoolean(body: Body, key: string, param = key): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw invalidParam(param, "must be true or false", v);
  return v;
}

function parseStop(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = typeof v === "string" ? [v] : v;
  if (!Array.isArray(list)) throw invalidParam("stop", "must be a string or a list of strings", v);
  if (list.length > MAX_STOP_STRINGS) throw invalidParam("stop", `must hold at most ${MAX_STOP_STRINGS} strings`, list);
  for (const s of list) {
    if (typeof s !== "string" || s === "") throw invalidParam("stop", "must hold non-empty strings only", s);
  }
  return list as string[];
}

export function parseMessages(v: unknown, limits: RequestLimits = DEFAULT_LIMITS): ChatMessage[] {
  if (v === undefined || v === null) throw invalidParam("messages", "is required: a list of {role, content} messages");
  if (!Array.isArray(v) || v.length === 0) throw invalidParam("messages", "must be a non-empty list of {role, content} messages", v);
  checkMessageCount(v.length, limits);
  const messages = v.map((m: unknown, i): ChatMessage => {
    const where = `messages[${i}]`;
    if (m === null || typeof m !== "object" || Array.isArray(m)) throw invalidParam(where, "must be an object {role, content}", m);
    const { role, content } = m as Body;
    if (typeof role !== "string" || ROLES[role] === undefined) {
      throw invalidParam(`${where}.role`, "must be one of system, developer, user, assistant", role);
    }
    return { role: ROLES[role]!, content: messageText(content, `${where}.content`) };
  });
  checkTextLength(
    messages.reduce((sum, m) => sum + m.content.length, 0),
    "messages",
    limits,
  );
  return messages;
}

/** A string, or a list of text parts [{ type: "text", text }] (joined). */
function messageText(content: unknown, param: string): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw invalidParam(param, "must be a string or a list of text parts", content);
  return content
    .map((part: unknown, j) => {
      const p = part as Body | null;
      if (p === null || typeof p !== "object" || p["type"] !== "text" || typeof p["text"] !== "string") {
        throw invalidParam(`${param}[${j}]`, "must be a text part { type: \"text\", text }", part);
      }
      return p["text"];
    })
    .join("");
}

/** A string, a list of one string, a list of token ids, or a list of one such list. */
function parsePrompt(v: unknown): ServePrompt {
  if (v === undefined || v === null) throw invalidParam("prompt", "is required");
  if (typeof v === "string") return { text: v };
  if (Array.isArray(v)) {
    if (v.length === 1 && (typeof v[0] === "string" || Array.isArray(v[0]))) return parsePrompt(v[0]);
    if (v.length > 0 && v.every((x) => typeof x === "number")) return { ids: v as number[] };
    if (v.length > 1 && v.every((x) => typeof x === "string")) throw invalidParam("prompt", "only one prompt per request is supported", v);
  }
  throw invalidParam("prompt", "must be a string or a list of token ids", v);
}
