/**
 * The interface every language model in @mini/llm implements (the inference Llama on raw kernels,
 * and the trainable models built from @mini/nn), so generation, sampling and chat are shared.
 */

/** Keys and values of the positions seen so far, preallocated for `maxLen` positions. */
export interface KVCache {
  /** Positions it can hold. */
  readonly maxLen: number;
  /** Number of positions filled: the next token fed goes to this position. */
  readonly position: number;
  /** Forget every position ≥ `pos` (rollback, or reuse of a common prefix). */
  truncate(pos: number): void;
  /** Forget everything (= truncate(0)). */
  clear(): void;
}

export interface CausalLMConfig {
  readonly vocabSize: number;
  /** Longest context the model supports (max_position_embeddings). */
  readonly maxSeqLen: number;
}

export interface ForwardOptions {
  /** Return logits for every fed position ([n, vocab], row-major) instead of the last one only. */
  allLogits?: boolean;
}

export interface CausalLM {
  readonly config: CausalLMConfig;
  /** A fresh cache; `maxLen` defaults to the model's context length. */
  newCache(maxLen?: number): KVCache;
  /**
   * Feeds `tokens` at positions cache.position … cache.position + n − 1, appends their keys and
   * values, and returns the logits of the last position ([vocab]), or of every fed position with
   * `allLogits`. The returned array may be a buffer reused by the next call: copy it to keep it.
   * Throws (naming both lengths) if the tokens do not fit in the cache.
   */
  forward(tokens: ArrayLike<number>, cache: KVCache, opts?: ForwardOptions): Float32Array;
}
