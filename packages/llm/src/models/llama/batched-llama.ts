/**
 * The inference Llama with continuous batching: `forward` as LlamaModel's, plus `forwardBatch`,
 * many sequences in one pass over a paged KV cache (batch-forward.ts), in the model's own
 * activation buffers (so a batch is at most its prefill chunk of rows).
 *
 *   const model = new BatchedLlama(loaded.model);
 *   const kv = model.newPagedKV(numBlocks, 16);
 *   const logits = model.forwardBatch([{ tokens: [id], position: 40, blockTable: [3, 7, 9] }, …], kv);
 */
import { HeapGrowthError, kernels, PackedTransB, reserveScratch, threadCount, WeightMatrix } from "@mini/tensor";
import type { BatchedCausalLM, BatchEntry, ForwardOptions, KVCache, PagedKV } from "../causal-lm.js";
import { BatchForward, checkBatch } from "./batch-forward.js";
import type { LinearWeight } from "./compact-weights.js";
import type { LlamaConfig } from "./config.js";
import type { LlamaKVCache } from "./kv-cache.js";
import type { LlamaModel } from "./model.js";
import { LlamaPagedKV } from "./paged-kv.js";

export class BatchedLlama implements BatchedCausalLM {
  readonly config: LlamaConfig;
  private readonly pass: BatchForward;
  /** The f32 Linear weights this instance packed (in model.rs.packed until dispose). */
  private readonly packed: Map<LinearWeight, PackedTransB>;

  constructor(readonly model: LlamaModel) {
    this.config = model.config;
    this.packed = packLinearWeights(model);
    this.pass = new BatchForward(model.config, model.rs);
  }

  /** Heap bytes of the Linear weights packed for gemm by this instance (0: none; see packLinearWeights). */
  get packedBytes(): number {
    let n = 0;
    for (const p of this.packed.values()) n += p.byteLength;
    return n;
  }

  get kvBytesPerPosition(): number {
    return LlamaPagedKV.bytesPerBlock(this.config, 1);
  }

  get maxBatchTokens(): number {
    return this.model.rs.chunk;
  }

  newCache(maxLen?: number): LlamaKVCache {
    return this.model.newCache(maxLen);
  }

  forward(tokens: ArrayLike<number>, cache: KVCache, opts?: ForwardOptions): Float32Array {
    return this.model.forward(tokens, cache, opts);
  }

  newPagedKV(numBlocks: number, blockSize: number): LlamaPagedKV {
    const kv = new LlamaPagedKV(this.config, numBlocks, blockSize);
    // the batched attention's scratch (a block table of the whole context), before any pass
    const c = this.config;
    reserveScratch(kernels.attentionScratchFloats(c.maxSeqLen, Math.ceil(c.maxSeqLen / blockSize), kernels.attentionMaxJobs(threadCount())), "BatchedLlama attention scratch");
    return kv;
  }

  forwardBatch(entries: readonly BatchEntry[], kv: PagedKV): Float32Array {
    checkBatch(this.config, entries, kv, this.maxBatchTokens);
    return this.pass.run(entries, kv as LlamaPagedKV, this.model.ropeTable); // the model's RoPE table (grown on demand)
  }

  /** Frees the packed weights (the pass works in the model's buffers and the kernels' scratch). */
  dispose(): void {
    for (const [t, p] of this.packed) {
      if (this.model.rs.packed.get(t) === p) this.model.rs.packed.delete(t);
      p.dispose();
    }
    this.packed.clear();
  }
}

/**
 * The model's f32 Linear weights (q, k, v, o, gate, up, down, lm_head) packed once for gemm
 * (PackedTransB, put in model.rs.packed so every pass multiplies by them): gemm would pack each of
 * them again for every product of M ≥ 3 rows (a batched decode step, a prefill chunk), and for a
 * large one (the vocabulary head) from DRAM. The same bits either way; the cost is a second copy of
 * those weights in the heap. None when another BatchedLlama of this model packed them already,
 * for compact weights, or when the heap has no room for the copies (then gemm packs per call).
 */
function packLinearWeights(model: LlamaModel): Map<LinearWeight, PackedTransB> {
  const packed = new Map<LinearWeight, PackedTransB>();
  if (model.rs.packed.size > 0) return packed;
  const w = model.weights;
  const mats = [w.lmHead, ...w.layers.flatMap((l) => [l.wq, l.wk, l.wv, l.wo, l.wGate, l.wUp, l.wDown])];
  try {
    for (const t of mats) {
      if (t === null || t instanceof WeightMatrix || packed.has(t)) continue;
      const [N, K] = t.shape as [number, number];
      packed.set(t, new PackedTransB(t.data, N, K, "Linear weight"));
    }
  } catch (e) {
    for (const p of packed.values()) p.dispose();
    if (e instanceof HeapGrowthError) return new Map();
    throw e;
  }
  for (const [t, p] of packed) model.rs.packed.set(t, p);
  return packed;
}
