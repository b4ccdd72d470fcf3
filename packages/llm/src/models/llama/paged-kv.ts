/**
 * A paged key/value store for many sequences at once (continuous batching): one pinned pool of
 * fixed-size blocks of `blockSize` positions; a sequence's positions live in the blocks its block
 * table lists (position p in block table[⌊p / blockSize⌋], slot p mod blockSize). Which block
 * belongs to whom, and sharing between sequences, is the serving layer's business
 * (serving/block-allocator.ts, serving/prefix-tree.ts); this is only the memory.
 *
 * Layout: keys and values are each [numBlocks, layers, kvHeads, blockSize, headDim], so the keys of
 * one (block, layer) are one contiguous [kvHeads, blockSize, headDim] run: the block layout of
 * kernels.attention (one call per sequence and layer walks its block table).
 */
import { Tensor } from "@mini/tensor";
import type { PagedKV } from "../causal-lm.js";
import type { KVCacheShape } from "./kv-cache.js";

export class LlamaPagedKV implements PagedKV {
  /** keys, values: [numBlocks, layers, kvHeads, blockSize, headDim], pinned. */
  readonly keys: Tensor;
  readonly values: Tensor;

  constructor(
    readonly shape: KVCacheShape,
    readonly numBlocks: number,
    readonly blockSize: number,
  ) {
    for (const [name, v] of [["numBlocks", numBlocks], ["blockSize", blockSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`LlamaPagedKV: ${name} must be an integer ≥ 1, got ${v}`);
    }
    const dims = [numBlocks, shape.numLayers, shape.numKvHeads, blockSize, shape.headDim];
    this.keys = Tensor.pinned(dims);
    this.values = Tensor.pinned(dims);
  }

  /** Bytes of keys and values per block of `blockSize` positions (float32). */
  static bytesPerBlock(shape: KVCacheShape, blockSize: number): number {
    return 2 * 4 * shape.numLayers * shape.numKvHeads * blockSize * shape.headDim;
  }

  /** Floats from one layer's slabs to the next layer's in the same block (layers·kvHeads·blockSize·headDim apart per block). */
  get layerStride(): number {
    return this.shape.numKvHeads * this.blockSize * this.shape.headDim;
  }

  /** Offset (in floats) of the [blockSize, headDim] slab of (block, layer, kvHead) in keys/values. */
  slab(block: number, layer: number, kvHead: number): number {
    const s = this.shape;
    return ((block * s.numLayers + layer) * s.numKvHeads + kvHead) * this.blockSize * s.headDim;
  }

  /** Copies positions [0, count) of block `src` into block `dst`, every layer and head (copy-on-write). */
  copyBlock(src: number, dst: number, count: number): void {
    if (count < 0 || count > this.blockSize) throw new RangeError(`LlamaPagedKV.copyBlock: count must be in [0, ${this.blockSize}], got ${count}`);
    const s = this.shape;
    const k = this.keys.data;
    const v = this.values.data;
    const n = count * s.headDim;
    for (let l = 0; l < s.numLayers; l++) {
      for (let kh = 0; kh < s.numKvHeads; kh++) {
        const from = this.slab(src, l, kh);
        const to = this.slab(dst, l, kh);
        k.copyWithin(to, from, from + n);
        v.copyWithin(to, from, from + n);
      }
    }
  }

  dispose(): void {
    this.keys.dispose();
    this.values.dispose();
  }
}
