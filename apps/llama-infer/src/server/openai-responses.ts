/**
 * Response objects in OpenAI's shapes: `chat.completion` and its `chat.completion.chunk`s,
 * `text_completion` (whole and streamed), `usage`, the model list.
 */
import { randomBytes } from "node:crypto";
import type { ServeResult, TokenLogprob } from "@mini/llm/serving";
import { chatLogprobs, completionLogprobs } from "./openai-logprobs.js";

export type ApiKind = "chat" | "text";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens found in a pooled KV cache (not fed again). */
  prompt_tokens_cached: number;
  /** The same number where OpenAI's clients look for it. */
  prompt_tokens_details: { cached_tokens: number };
}

export function usageOf(r: ServeResult): Usage {
  return {
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    total_tokens: r.promptTokens + r.completionTokens,
    prompt_tokens_cached: r.cachedTokens,
    prompt_tokens_details: { cached_tokens: r.cachedTokens },
  };
}

/** One response's identity, shared by its chunks. */
export class ResponseIds {
  readonly id: string;
  readonly created = Math.floor(Date.now() / 1000);
  /** Characters of a streamed completion's text_offset so far. */
  private streamedChars = 0;
  constructor(
    readonly kind: ApiKind,
    readonly model: string,
  ) {
    this.id = `${kind === "chat" ? "chatcmpl" : "cmpl"}-${randomBytes(12).toString("hex")}`;
  }

  private head(object: string): { id: string; object: string; created: number; model: string } {
    return { id: this.id, object, created: this.created, model: this.model };
  }

  /** The whole (non-streaming) response. */
  complete(r: ServeResult, finishReason: "stop" | "length"): object {
    const logprobs = r.logprobs === undefined ? null : this.kind === "chat" ? chatLogprobs(r.logprobs) : completionLogprobs(r.logprobs);
    const choice =
      this.kind === "chat"
        ? { index: 0, message: { role: "assistant", content: r.text, refusal: null }, logprobs, finish_reason: finishReason }
        : { index: 0, text: r.text, logprobs, finish_reason: finishReason };
    return { ...this.head(this.kind === "chat" ? "chat.completion" : "text_completion"), choices: [choice], usage: usageOf(r) };
  }

  /**
   * A streamed chunk: `delta` for chat (role in the first), `text` for completions; `tokens`: the
   * log-probabilities of the ids generated since the last chunk, when they were asked for.
   */
  chunk(piece: { role?: "assistant"; content?: string }, finishReason: "stop" | "length" | null = null, tokens?: readonly TokenLogprob[]): object {
    if (this.kind === "chat") {
      const logprobs = tokens === undefined ? null : chatLogprobs(tokens);
      return { ...this.head("chat.completion.chunk"), choices: [{ index: 0, delta: piece, logprobs, finish_reason: finishReason }] };
    }
    const logprobs = tokens === undefined ? null : completionLogprobs(tokens, this.streamedChars);
    for (const t of tokens ?? []) this.streamedChars += t.token.length;
    return { ...this.head("text_completion"), choices: [{ index: 0, text: piece.content ?? "", logprobs, finish_reason: finishReason }] };
  }

  /** The usage chunk of stream_options.include_usage: no choices. */
  usageChunk(r: ServeResult): object {
    return { ...this.head(this.kind === "chat" ? "chat.completion.chunk" : "text_completion"), choices: [], usage: usageOf(r) };
  }
}

/** `context_length` is not OpenAI's: the chat page reads it (as llama.cpp's server exposes n_ctx). */
export function modelObject(id: string, created: number, contextLength: number): object {
  return { id, object: "model", created, owned_by: "llama-infer", context_length: contextLength };
}
