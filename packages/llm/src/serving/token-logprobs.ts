/**
 * Log-probabilities of generated tokens (OpenAI's `logprobs` / `top_logprobs`). They are of the
 * model's own distribution — log softmax of the raw logits, before temperature, top-k/p or
 * penalties — as OpenAI and vLLM report them, so they do not depend on how a token was sampled.
 */
import type { Tokenizer } from "../tokenizers/tokenizer.js";

/** Most alternatives a request may ask for per token (OpenAI's limit for top_logprobs). */
export const MAX_TOP_LOGPROBS = 20;

export interface TokenAlternative {
  id: number;
  /** The token's text where it stands (its leading space kept); U+FFFD for part of a character. */
  token: string;
  logprob: number;
}

/** A generated token and the `top` most likely ones at its position (most likely first). */
export interface TokenLogprob extends TokenAlternative {
  top: TokenAlternative[];
}

/** log softmax(logits)[id] (in float64), and the `top` largest ids, descending (ties: lower id first). */
export function logprobsAt(logits: Float32Array, id: number, top: number): { logprob: number; top: { id: number; logprob: number }[] } {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const lse = max + Math.log(sum);
  // best: ids of the largest logits so far, in descending order (top ≤ 20: insertion is enough)
  const best: number[] = [];
  for (let i = 0; i < logits.length && top > 0; i++) {
    const v = logits[i]!;
    if (best.length === top && !(v > logits[best[top - 1]!]!)) continue;
    let at = best.length;
    while (at > 0 && v > logits[best[at - 1]!]!) at--;
    best.splice(at, 0, i);
    if (best.length > top) best.pop();
  }
  return { logprob: logits[id]! - lse, top: best.map((j) => ({ id: j, logprob: logits[j]! - lse })) };
}

/**
 * The text token `id` adds after `context` (the ids before it): decoded after the last few ids
 * of the context, so a SentencePiece word's leading space is kept; alone where that is not a
 * clean extension (a character split across tokens).
 */
export function tokenText(tokenizer: Tokenizer, context: readonly number[], id: number): string {
  const before = context.slice(-4);
  const head = tokenizer.decode(before);
  const both = tokenizer.decode([...before, id]);
  return both.startsWith(head) && !head.endsWith("\uFFFD") ? both.slice(head.length) : tokenizer.decode([id]);
}

/** The entry for token `id` sampled from `logits` after `context`, with `top` alternatives. */
export function tokenLogprob(tokenizer: Tokenizer, logits: Float32Array, context: readonly number[], id: number, top: number): TokenLogprob {
  const at = logprobsAt(logits, id, top);
  const text = (j: number): string => tokenText(tokenizer, context, j);
  return { id, token: text(id), logprob: at.logprob, top: at.top.map((a) => ({ id: a.id, token: text(a.id), logprob: a.logprob })) };
}
