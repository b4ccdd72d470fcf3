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

/**
 * Keys and values of many sequences in one pool of blocks of `blockSize` positions (a paged KV
 * cache); sequences address it through block tables.
 */
export interface PagedKV {
  readonly numBlocks: number;
  readonly blockSize: number;
  /** Copies positions [0, count) of block src into block dst (copy-on-write of a shared block). */
  copyBlock(src: number, dst: number, count: number): void;
  dispose(): void;
}

/** One sequence's share of a batched pass. */
export interface BatchEntry {
  /** Tokens to feed at positions `position` … position + n − 1 (n ≥ 1). */
  readonly tokens: ArrayLike<number>;
  /** Positions already in the cache (the first token goes there). */
  readonly position: number;
  /** Blocks holding positions [0, position + n): entry j holds positions [j·blockSize, (j+1)·blockSize). */
  readonly blockTable: readonly number[];
}

/** A model that runs many sequences through one forward pass over a paged cache. */
export interface BatchedCausalLM extends CausalLM {
  /** Bytes of keys and values one cached position takes. */
  readonly kvBytesPerPosition: number;
  /** Most tokens (summed over entries) one forwardBatch takes. */
  readonly maxBatchTokens: number;
  newPagedKV(numBlocks: number, blockSize: number): PagedKV;
  /**
   * Feeds every entry's tokens in one pass (the weights read once for all rows), writing their
   * keys/values into the entries' blocks; returns the logits of each entry's last token
   * ([entries, vocab], row-major; a buffer reused by the next call). Equal, per entry, to
   * `forward` of the same tokens on a cache holding the same positions.
   */
  forwardBatch(entries: readonly BatchEntry[], kv: PagedKV): Float32Array;
}
