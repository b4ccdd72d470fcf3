/**
 * The inference Llama with continuous batching: `forward` as LlamaModel's, plus `forwardBatch`,
 * many sequences in one pass over a paged KV cache (batch-forward.ts), in the model's own
 * activation buffers (so a batch is at most its prefill chunk of rows).
 *
 *   const model = new BatchedLlama(loaded.model);
 *   const kv = model.newPagedKV(numBlocks, 16);
 *   const logits = model.forwardBatch([{ tokens: [id], position: 40, blockTable: [3, 7, 9] }, …], kv);
 */
import { HeapGrowthError, kernels, PackedTransB, reserveScratch, threadCount } from "@mini/tensor";
import type { BatchedCausalLM, BatchEntry, ForwardOptions, KVCache, PagedKV } from "../causal-lm.js";
import { BatchForward, checkBatch } from "./batch-forward.js";
import { linearView } from "./compact-weights.js";
import type { LlamaConfig } from "./config.js";
import type { LlamaKVCache } from "./kv-cache.js";
import type { LlamaModel } from "./model.js";
import { LlamaPagedKV } from "./paged-kv.js";

export class BatchedLlama implements BatchedCausalLM {
  readonly config: LlamaConfig;
  private readonly pass: BatchForward;
  private readonly packedHead: PackedTransB | null;

  constructor(readonly model: LlamaModel) {
    this.config = model.config;
    this.packedHead = packHead(model);
    this.pass = new BatchForward(model.config, model.rs, this.packedHead);
  }

  /** Heap bytes of the lm_head packed for gemm (0: none; see packHead). */
  get packedHeadBytes(): number {
    return this.packedHead?.byteLength ?? 0;
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
    reserveScratch(kernels.attentionScratchFloats(c.maxSeqLen, Math.ceil(c.maxSeqLen / blockSize), Math.min(c.numHeads, threadCount())), "BatchedLlama attention scratch");
    return kv;
  }

  forwardBatch(entries: readonly BatchEntry[], kv: PagedKV): Float32Array {
    checkBatch(this.config, entries, kv, this.maxBatchTokens);
    return this.pass.run(entries, kv as LlamaPagedKV, this.model.ropeTable); // the model's RoPE table (grown on demand)
  }

  /** Frees the packed lm_head (the pass works in the model's buffers and the kernels' scratch). */
  dispose(): void {
    this.packedHead?.dispose();
  }
}

/**
 * An f32 lm_head packed once for gemm: a decode step of M ≥ 3 sequences multiplies by it, and
 * gemm would pack all of it (vocab × hidden, read from DRAM) on every step. Null for compact
 * weights, or when the heap has no room for the copy (the pass then packs per call, as before).
 */
function packHead(model: LlamaModel): PackedTransB | null {
  const head = linearView(model.weights.lmHead);
  if (!(head instanceof Float32Array)) return null;
  try {
    return new PackedTransB(head, model.config.vocabSize, model.config.hiddenSize, "lm_head");
  } catch (e) {
    if (e instanceof HeapGrowthError) return null;
    throw e;
  }
}
