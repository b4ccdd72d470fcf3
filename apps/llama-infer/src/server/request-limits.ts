/**
 * Limits on what one request may hold, checked before any tokenizing or model work, each failing
 * with 400 and the limit's name: a JSON body nested deeper than any request needs, more messages
 * than `--max-messages`, more text than `--max-chars`. (The body's size is bounded before parsing,
 * by --max-body-bytes → 413.)
 */
import { ApiError } from "./api-error.js";

export interface RequestLimits {
  /** Messages in one chat request. */
  maxMessages: number;
  /** Characters of text (message contents, or the prompt), summed. */
  maxChars: number;
  /** Depth of nested arrays/objects in the JSON body (an API request needs 4). */
  maxDepth: number;
}

export const DEFAULT_LIMITS: RequestLimits = { maxMessages: 1000, maxChars: 400_000, maxDepth: 32 };

export function limitError(param: string | null, what: string, limit: string): ApiError {
  return new ApiError(400, `${what}; ${limit}`, "invalid_request_error", param, "limit_exceeded");
}

/** Throws if the JSON text nests arrays/objects deeper than `maxDepth` (a scan, no recursion). */
export function checkJsonDepth(text: string, maxDepth: number): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) throw limitError(null, `the request body nests arrays/objects more than ${maxDepth} deep`, `the limit is ${maxDepth} (max nesting depth)`);
    } else if (c === 125 || c === 93) depth--;
  }
}

export function checkMessageCount(n: number, limits: RequestLimits): void {
  if (n > limits.maxMessages) {
    throw limitError("messages", `'messages' holds ${n} messages`, `the limit is ${limits.maxMessages} (--max-messages)`);
  }
}

export function checkTextLength(chars: number, param: string, limits: RequestLimits): void {
  if (chars > limits.maxChars) {
    throw limitError(param, `'${param}' holds ${chars} characters of text`, `the limit is ${limits.maxChars} (--max-chars)`);
  }
}
