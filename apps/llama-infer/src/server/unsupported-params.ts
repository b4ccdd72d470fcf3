/**
 * OpenAI parameters that would change the answer and that this server does not implement:
 * asking for one is a 400 naming it, never a silent answer without it (a client that asks for
 * JSON output, log-probabilities or a tool call must not get plain text that looks like success).
 * Each is accepted at its "off" value, which clients and SDKs may send by default. Parameters that
 * do not change the answer (user, metadata, store, service_tier, parallel_tool_calls …) are ignored.
 */
import { ApiError } from "./api-error.js";

type Body = Record<string, unknown>;

interface Unsupported {
  /** What the server does instead, or why not (ends the error message). */
  readonly why: string;
  /** The values that ask for nothing (null and undefined always do). */
  readonly off: (v: unknown) => boolean;
}

const isFalse = (v: unknown): boolean => v === false;
const isEmptyList = (v: unknown): boolean => Array.isArray(v) && v.length === 0;
const isEmptyObject = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0;
const isTextFormat = (v: unknown): boolean => v !== null && typeof v === "object" && (v as Body)["type"] === "text";

const NO_TOOLS = "not supported: this server does no function calling (send no tools)";

const COMMON: Readonly<Record<string, Unsupported>> = {
  logit_bias: { why: "not supported (send {} or nothing)", off: isEmptyObject },
  response_format: { why: 'not supported: the answer is plain text (send {"type": "text"} or nothing)', off: isTextFormat },
};

const CHAT: Readonly<Record<string, Unsupported>> = {
  ...COMMON,
  tools: { why: NO_TOOLS, off: isEmptyList },
  tool_choice: { why: NO_TOOLS, off: (v) => v === "none" },
  functions: { why: NO_TOOLS, off: isEmptyList },
  function_call: { why: NO_TOOLS, off: (v) => v === "none" },
  modalities: { why: 'not supported: the answer is text (send ["text"] or nothing)', off: (v) => Array.isArray(v) && v.length === 1 && v[0] === "text" },
  audio: { why: "not supported: the answer is text", off: () => false },
  prediction: { why: "not supported (predicted outputs)", off: () => false },
};

const COMPLETION: Readonly<Record<string, Unsupported>> = {
  ...COMMON,
  echo: { why: "not supported (send false or nothing)", off: isFalse },
  suffix: { why: "not supported (insertion)", off: (v) => v === "" },
  best_of: { why: "not supported (send 1 or nothing)", off: (v) => v === 1 },
};

/** Throws a 400 naming the first parameter of `body` that asks for something not implemented. */
export function refuseUnsupported(body: Body, endpoint: "chat" | "completion"): void {
  const table = endpoint === "chat" ? CHAT : COMPLETION;
  for (const [param, rule] of Object.entries(table)) {
    const v = body[param];
    if (v !== undefined && v !== null && !rule.off(v)) {
      throw new ApiError(400, `unsupported '${param}': ${rule.why}, got ${JSON.stringify(v).slice(0, 80)}`, "invalid_request_error", param, "unsupported_parameter");
    }
  }
}
