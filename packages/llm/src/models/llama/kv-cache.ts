/**
 * The key/value cache of the inference Llama: every position's rotated keys and its values, for
 * every layer, preallocated once in the WASM heap (so the attention products read it in place).
 *
 * Layout: keys and values are each [layers, kvHeads, maxLen, headDim], so the keys of one
 * (layer, kv head) are one contiguous [maxLen, headDim] block: the attention scores of a group of
 * query heads are then a single matmulTransB against its first L rows, and the weighted sum of
 * values a single matmul. The cache keeps every position; a sliding window is a mask in the
 * attention, not a rolling buffer.
 */
import { Tensor } from "@mini/tensor";
import type { KVCache } from "../causal-lm.js";

export interface KVCacheShape {
  readonly numLayers: number;
  readonly numKvHeads: number;
  readonly headDim: number;
}

export class LlamaKVCache implements KVCache {
  readonly maxLen: number;
  /** keys, values: [layers, kvHeads, maxLen, headDim], pinned. */
  readonly keys: Tensor;
  readonly values: Tensor;
  private pos = 0;
  // Per (layer, kvHead) views of the blocks, made once and re-made only after the heap grew.
  private keyBlocks: Float32Array[] = [];
  private valueBlocks: Float32Array[] = [];
  private viewsOf: Float32Array | null = null;

  /** A cache fits any model of the same shape (layers, kv heads, head dim). */
  constructor(
    readonly shape: KVCacheShape,
    maxLen: number,
  ) {
    if (!Number.isInteger(maxLen) || maxLen <= 0) throw new RangeError(`LlamaKVCache: maxLen must be a positive integer, got ${maxLen}`);
    this.maxLen = maxLen;
    // Keys and values live in WASM memory (at most 4 GiB, shared with the pinned weights): refuse,
    // naming the config field, a length that cannot fit rather than fail inside the allocator.
    const bytes = 2 * shape.numLayers * shape.numKvHeads * maxLen * shape.headDim * 4;
    if (bytes >= 4 * 2 ** 30) {
      throw new RangeError(
        `LlamaKVCache: ${maxLen} positions (max_position_embeddings, unless a shorter context is asked for) need ` +
          `${(bytes / 2 ** 30).toFixed(1)} GiB of KV cache (2 × ${shape.numLayers} layers × ${shape.numKvHeads} kv heads × ` +
          `${shape.headDim} head_dim × 4 bytes per position); WASM memory holds at most 4 GiB: use a shorter context (newCache(maxLen))`,
      );
    }
    const dims = [shape.numLayers, shape.numKvHeads, maxLen, shape.headDim];
    this.keys = Tensor.pinned(dims);
    this.values = Tensor.pinned(dims);
  }

  get position(): number {
    return this.pos;
  }

  truncate(pos: number): void {
    if (!Number.isInteger(pos) || pos < 0 || pos > this.pos) {
      throw new RangeError(`KVCache.truncate: position must be an integer in [0, ${this.pos}], got ${pos}`);
    }
    // The entries past `pos` stay in memory but are never read: attention only looks at
    // positions < position, and feeding a token overwrites its slot first.
    this.pos = pos;
  }

  clear(): void {
    this.pos = 0;
  }

  /** Called by the model once it has written keys and values for `n` more positions. */
  advance(n: number): void {
    this.pos += n;
  }

  /** keys[layer][kvHead] as views of [maxLen, headDim] (index layer * kvHeads + kvHead). */
  keyViews(): Float32Array[] {
    this.refreshViews();
    return this.keyBlocks;
  }

  valueViews(): Float32Array[] {
    this.refreshViews();
    return this.valueBlocks;
  }

  /** Frees the cache's memory now instead of at garbage collection. */
  dispose(): void {
    this.keys.dispose();
    this.values.dispose();
  }

  private refreshViews(): void {
    const k = this.keys.data; // a new array only after the WASM memory grew
    if (k === this.viewsOf) return;
    const v = this.values.data;
    const block = this.maxLen * this.shape.headDim;
    const n = this.shape.numLayers * this.shape.numKvHeads;
    this.keyBlocks = [];
    this.valueBlocks = [];
    for (let i = 0; i < n; i++) {
      this.keyBlocks.push(k.subarray(i * block, (i + 1) * block));
      this.valueBlocks.push(v.subarray(i * block, (i + 1) * block));
    }
    this.viewsOf = k;
  }
}
