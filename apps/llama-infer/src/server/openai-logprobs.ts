/**
 * Token log-probabilities in OpenAI's two shapes: chat's `logprobs.content` (one entry per token
 * with its bytes and `top_logprobs`) and the legacy completions' parallel lists (`tokens`,
 * `token_logprobs`, `top_logprobs` as {token: logprob} maps, `text_offset`). The values come from
 * @mini/llm's serving (token-logprobs.ts: log softmax of the raw logits).
 */
import type { TokenAlternative, TokenLogprob } from "@mini/llm/serving";

/** UTF-8 bytes of a token's text; null for part of a character (its text is U+FFFD). */
function bytesOf(token: string): number[] | null {
  return token.includes("\uFFFD") ? null : Array.from(new TextEncoder().encode(token));
}

const chatAlternative = (a: TokenAlternative) => ({ token: a.token, logprob: a.logprob, bytes: bytesOf(a.token) });

/** chat.completion(.chunk)'s `logprobs` for these tokens. */
export function chatLogprobs(entries: readonly TokenLogprob[]): object {
  return { content: entries.map((e) => ({ ...chatAlternative(e), top_logprobs: e.top.map(chatAlternative) })), refusal: null };
}

/**
 * text_completion's `logprobs` for these tokens; `offset`: characters of the completion before
 * the first of them (text_offset counts from the completion's start).
 */
export function completionLogprobs(entries: readonly TokenLogprob[], offset = 0): object {
  const text_offset: number[] = [];
  for (const e of entries) {
    text_offset.push(offset);
    offset += e.token.length;
  }
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) => Object.fromEntries(e.top.map((a) => [a.token, a.logprob]))),
    text_offset,
  };
}
