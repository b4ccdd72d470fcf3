import { ShapeError } from "../errors.js";
import { needDims, needLength, outArray } from "./check.js";
import { attentionReference } from "./attention.reference.js";
import { wasmEnabled } from "../wasm/instance.js";
import { wasmAttention, wasmAttentionBatch } from "../wasm/attention.js";

export { attentionScratchFloats } from "../wasm/attention.js";
export { attentionMaxJobs } from "../wasm/attention-split.js";

/**
 * Fused causal attention of the query rows of one sequence over its key/value cache, in one call:
 * scores, a max-subtracted softmax and the weighted sum of values, per query head (grouped-query:
 * nHeads / nKvHeads query heads share a kv head), with an optional sliding window.
 *
 * The cache is stored in blocks of blockSize positions: the key of kv head kh at position j is
 *   keys[blocks[⌊j / blockSize⌋] + (kh·blockSize + j mod blockSize)·headDim …]   (values alike),
 * i.e. each block is [nKvHeads, blockSize, headDim] starting at the float offset blocks[b]. A
 * contiguous cache [nKvHeads, maxLen, headDim] (one layer of LlamaKVCache) is one block:
 * blockSize = maxLen, blocks = [offset of the layer]. A paged cache (LlamaPagedKV) gives each
 * block's slab(block, layer, 0).
 *
 * Query row i is at position `position + i` and sees keys lo … position + i (lo = position + i −
 * window + 1 with a window, else 0), which must already be in the cache. Split across the kernel
 * pool by query heads and, for heads that do not divide among the threads, by query rows of equal
 * causal work (wasm/attention-split.ts); every output element is computed by one thread in one order, so results
 * are bit-identical for every thread count. Reference: attention.reference.ts.
 */
export interface AttentionArgs {
  /** [nQ, nHeads, headDim]: the (rotated) queries. */
  q: Float32Array;
  /** [nQ, nHeads, headDim]: written; fresh if absent. */
  out?: Float32Array;
  nQ: number;
  /** Position of query row 0. */
  position: number;
  nHeads: number;
  nKvHeads: number;
  headDim: number;
  keys: Float32Array;
  values: Float32Array;
  blockSize: number;
  /** Float offsets into keys/values of the blocks holding positions 0 … position + nQ − 1. */
  blocks: ArrayLike<number>;
  /** Keys a query sees counting its own (Mistral's sliding window); absent, null or 0 = all. */
  window?: number | null;
  /** Score multiplier, usually 1/√headDim. */
  scale: number;
}

export function attention(a: AttentionArgs): Float32Array {
  const { window, out } = checked("attention", a);
  if (a.nQ === 0 || a.nHeads === 0) return out;
  if (wasmEnabled()) return wasmAttention(a, window, out);
  return attentionReference({ ...a, out });
}

/**
 * Several attention calls (a batch of sequences, each over its own cache), each with its `out`:
 * the same bits as calling `attention` on each, but run together on the kernel pool (one round
 * holds every call's jobs), so calls too small to split (one decoding query) still use every
 * thread. Every call is checked before any runs.
 */
export function attentionBatch(calls: readonly (AttentionArgs & { out: Float32Array })[]): void {
  const checkedCalls = calls.map((a, i) => ({ a, ...checked(`attentionBatch: calls[${i}]`, a) })).filter((c) => c.a.nQ > 0 && c.a.nHeads > 0);
  if (wasmEnabled()) wasmAttentionBatch(checkedCalls);
  else for (const c of checkedCalls) attentionReference({ ...c.a, out: c.out });
}

/** Checks a call's sizes and every block it may read; returns its window (0 = none) and output. */
function checked(name: string, a: AttentionArgs): { window: number; out: Float32Array } {
  const { nQ, position, nHeads, nKvHeads, headDim, blockSize, blocks } = a;
  needDims(name, { nQ, position, nHeads, nKvHeads, headDim, blockSize });
  const window = a.window ?? 0;
  if (!Number.isInteger(window) || window < 0) throw new ShapeError(`${name}: window must be an integer ≥ 1 (or absent), got ${a.window}`);
  if (nKvHeads < 1 || nHeads % nKvHeads !== 0) throw new ShapeError(`${name}: nHeads (${nHeads}) must be a multiple of nKvHeads (${nKvHeads})`);
  if (blockSize < 1 || headDim < 1) throw new ShapeError(`${name}: blockSize and headDim must be ≥ 1, got ${blockSize} and ${headDim}`);
  const n = nQ * nHeads * headDim;
  needLength(name, "q", a.q, n);
  const out = outArray(name, a.out, n);
  if (nQ === 0 || nHeads === 0) return { window, out };
  // every block a query may read lies inside keys and values
  const end = position + nQ;
  const nBlocks = Math.ceil(end / blockSize);
  if (blocks.length < nBlocks) throw new ShapeError(`${name}: blocks has ${blocks.length} entries, positions up to ${end} need ${nBlocks} of ${blockSize}`);
  const slab = nKvHeads * blockSize * headDim;
  for (let b = Math.floor((window > 0 ? Math.max(0, position - window + 1) : 0) / blockSize); b < nBlocks; b++) {
    const o = blocks[b]!;
    if (!Number.isInteger(o) || o < 0 || o + slab > Math.min(a.keys.length, a.values.length)) {
      throw new ShapeError(`${name}: blocks[${b}] = ${o} does not start a block of ${slab} floats inside keys (${a.keys.length}) and values (${a.values.length})`);
    }
  }
  return { window, out };
}
