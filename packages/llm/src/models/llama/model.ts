/**
 * The inference Llama/Mistral: one llama2.c-style forward over preallocated WASM-heap buffers,
 * no autograd. A prompt goes through as matrices ([n, hidden]·Wᵀ, in chunks of RunState.chunk
 * rows); a decoded token is the same code with n = 1 (matrix-vector products).
 *
 * Per layer (x: [n, hidden], the residual stream):
 *   xb = rmsNorm(x);  q, k, v = xb·Wqᵀ, xb·Wkᵀ, xb·Wvᵀ;  rotate q, k (RoPE, rotate_half layout);
 *   append k, v to the cache;  att = softmax(q·Kᵀ/√headDim, causal [+ window])·V per query head
 *   (one fused kernel call per layer: kernels.attention, grouped-query);
 *   x += att·Woᵀ;  xb = rmsNorm(x);  x += (silu(xb·Wgateᵀ)·(xb·Wupᵀ))·Wdownᵀ
 * then the final norm and lm_head on the last position (or all, with allLogits).
 */
import { heap, kernels, prepareThreadPool, reserveScratch, RopeTable, type WeightDtype } from "@mini/tensor";
import type { CausalLM, ForwardOptions, KVCache } from "../causal-lm.js";
import { compactLlamaWeights, embeddingRow, linear } from "./compact-weights.js";
import type { LlamaConfig } from "./config.js";
import { layerWindow } from "./family-features.js";
import { llamaHeapBudget, llamaScratchFloats, prefillChunk, reservedContext, reserveLlamaHeap } from "./heap-budget.js";
import { LlamaKVCache } from "./kv-cache.js";
import { layerMlp } from "./layer-mlp.js";
import { addRowBias, projectQkv } from "./qkv-projection.js";
import { ropeAttentionFactor, ropeFrequencies } from "./rope-scaling.js";
import { RunState } from "./run-state.js";
import { disposeLlamaWeights, type LlamaWeights } from "./weights.js";

const { attention, rmsNorm, rope } = kernels;

/** Thrown when the tokens fed do not fit in the cache; names both lengths. */
export class ContextLengthError extends RangeError {
  override name = "ContextLengthError";
  constructor(
    readonly needed: number,
    readonly contextLength: number,
    cached: number,
  ) {
    super(
      cached === 0
        ? `prompt is ${needed} tokens; context length is ${contextLength}`
        : `${cached} cached + ${needed - cached} new tokens = ${needed} tokens; context length is ${contextLength}`,
    );
  }
}

export interface LlamaModelOptions {
  /** Rows per prefill pass (longer prompts are fed in chunks). Default 128. */
  prefillChunk?: number;
  /** Linear matrices and embedding kept as f32 (default), bf16, f16, q8_0 or q4_0 (compact-weights.ts). */
  dtype?: WeightDtype;
}

export class LlamaModel implements CausalLM {
  readonly config: LlamaConfig;
  readonly weights: LlamaWeights;
  readonly rs: RunState; // activation buffers, also used by the batched pass (batched-llama.ts)
  /** RoPE cos/sin of every position, built once (grown by the kernel for a longer cache). */
  readonly ropeTable: RopeTable;
  private readonly logitsOut: Float32Array; // [vocab] on the JS heap: valid after later passes and memory growth
  private readonly dtype: WeightDtype;

  constructor(config: LlamaConfig, weights: LlamaWeights, opts: LlamaModelOptions = {}) {
    this.config = config;
    const dtype = opts.dtype ?? "f32";
    this.weights = compactLlamaWeights(weights, dtype);
    const chunk = prefillChunk(config, opts.prefillChunk);
    // Everything a pass uses is allocated now, with room for one KV cache of the whole context, so
    // that no pass grows the WASM memory (forward runs heap.frozen). A loader reserved it already
    // (with the weights); then this is a no-op.
    this.dtype = dtype;
    const context = reservedContext(config, dtype, chunk, false);
    reserveLlamaHeap(llamaHeapBudget(config, dtype, chunk, context), false, "LlamaModel's run state, KV cache and kernel scratch");
    reserveScratch(llamaScratchFloats(config, chunk, dtype, context), "LlamaModel kernel scratch");
    prepareThreadPool(); // the pool's control block too (the workers start now, not in the first pass)
    this.rs = new RunState(config, this.weights, chunk);
    this.ropeTable = new RopeTable(config.headDim, ropeFrequencies(config), ropeAttentionFactor(config));
    this.ropeTable.ensure(Math.min(config.maxSeqLen, 4096));
    this.logitsOut = new Float32Array(config.vocabSize);
  }

  newCache(maxLen = this.config.maxSeqLen): LlamaKVCache {
    if (!Number.isInteger(maxLen) || maxLen <= 0 || maxLen > this.config.maxSeqLen) {
      throw new RangeError(`newCache: maxLen must be an integer in [1, ${this.config.maxSeqLen}] (max_position_embeddings), got ${maxLen}`);
    }
    const c = this.config;
    const cache = new LlamaKVCache({ numLayers: c.numLayers, numKvHeads: c.numKvHeads, headDim: c.headDim }, maxLen);
    reserveScratch(llamaScratchFloats(c, this.rs.chunk, this.dtype, maxLen), "LlamaModel kernel scratch"); // a no-op within the reserved context
    return cache;
  }

  forward(tokens: ArrayLike<number>, kvCache: KVCache, opts: ForwardOptions = {}): Float32Array {
    const c = this.config;
    const cache = this.checkCache(kvCache);
    const n = tokens.length;
    if (n === 0) throw new RangeError("forward: no tokens given (expected at least 1)");
    const start = cache.position;
    if (start + n > cache.maxLen) throw new ContextLengthError(start + n, cache.maxLen, start);
    for (let i = 0; i < n; i++) {
      const id = tokens[i]!;
      if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) {
        throw new RangeError(`forward: tokens[${i}] = ${id} is not a token id in [0, ${c.vocabSize})`);
      }
    }
    const allLogits = opts.allLogits === true;
    const rs = this.rs;
    rs.refresh(); // views of this pass (the memory may have grown between passes, never during one)
    const out = allLogits ? new Float32Array(n * c.vocabSize) : this.logitsOut;
    // Nothing in the pass allocates in the WASM heap: a growth would throw HeapGrowthError naming what asked.
    heap.frozen("LlamaModel.forward", () => {
      for (let off = 0; off < n; off += rs.chunk) {
        const len = Math.min(rs.chunk, n - off);
        this.forwardChunk(tokens, off, len, cache);
        cache.advance(len);
        if (allLogits || off + len === n) this.logits(len, allLogits, out, off);
      }
    });
    return out;
  }

  /** Frees the weights and buffers now (the model is unusable afterwards). */
  dispose(): void {
    this.rs.dispose();
    disposeLlamaWeights(this.weights);
  }

  /**
   * Final norm and lm_head over the residual stream of the pass just run (len rows): every row
   * into out[off·vocab …] with allLogits, else the last row into out ([vocab]).
   */
  private logits(len: number, allLogits: boolean, out: Float32Array, off: number): void {
    const c = this.config;
    const rs = this.rs;
    const H = c.hiddenSize;
    const V = c.vocabSize;
    if (allLogits) {
      rmsNorm(rs.vx, rs.finalNorm, len, H, c.rmsNormEps, rs.vxb);
      linear(rs.vxb, rs.lmHead, len, H, V, rs.vlogitsAll);
      out.set(len * V === rs.vlogitsAll.length ? rs.vlogitsAll : rs.vlogitsAll.subarray(0, len * V), off * V);
    } else {
      const last = len === 1 ? rs.vx : rs.vx.subarray((len - 1) * H, len * H);
      rmsNorm(last, rs.finalNorm, 1, H, c.rmsNormEps, rs.vxb);
      linear(rs.vxb, rs.lmHead, 1, H, V, rs.vlogits);
      out.set(rs.vlogits);
    }
  }

  /** Runs tokens[off .. off + n) at positions cache.position …, leaving x in rs.vx. */
  private forwardChunk(tokens: ArrayLike<number>, off: number, n: number, cache: LlamaKVCache): void {
    const c = this.config;
    const rs = this.rs;
    const H = c.hiddenSize;
    const I = c.intermediateSize;
    const hd = c.headDim;
    const nHeads = c.numHeads;
    const nKv = c.numKvHeads;
    const qDim = nHeads * hd;
    const kvDim = nKv * hd;
    const eps = c.rmsNormEps;
    const pos0 = cache.position;
    const maxLen = cache.maxLen;
    const keys = cache.keys.data;
    const values = cache.values.data;
    const { vx: x, vxb: xb, vq: q, vk: k, vv: v, vatt: att, embed } = rs;
    const table = this.ropeTable;

    // x = embedding rows of the tokens.
    for (let t = 0; t < n; t++) {
      const dst = t * H;
      embeddingRow(embed, tokens[off + t]!, H, x, dst);
    }

    for (let l = 0; l < c.numLayers; l++) {
      const w = rs.layers[l]!;
      rmsNorm(x, w.attnNorm, n, H, eps, xb);
      projectQkv(w, { hidden: H, headDim: hd, numHeads: nHeads, numKvHeads: nKv, eps }, xb, n, q, k, v);

      // Rotate q and k in place (RoPE, rotate_half layout: q, k are [n, heads, hd]); append k and
      // v to the cache at [l, kvHead, pos]; then the fused attention of the n queries over the
      // layer's cache (one block of maxLen positions: [kvHeads, maxLen, hd]) into att [n, nHeads, hd].
      rope(q, n, nHeads, hd, pos0, table, "half", q);
      rope(k, n, nKv, hd, pos0, table, "half", k);
      const layerBase = l * nKv * maxLen * hd;
      for (let t = 0; t < n; t++) {
        for (let kh = 0; kh < nKv; kh++) {
          const src = t * kvDim + kh * hd;
          const dst = layerBase + (kh * maxLen + pos0 + t) * hd;
          for (let i = 0; i < hd; i++) keys[dst + i] = k[src + i]!;
          for (let i = 0; i < hd; i++) values[dst + i] = v[src + i]!;
        }
      }
      attention({
        q, out: att, nQ: n, position: pos0, nHeads, nKvHeads: nKv, headDim: hd,
        keys, values, blockSize: maxLen, blocks: [layerBase], window: layerWindow(c, l), scale: 1 / Math.sqrt(hd),
      });

      linear(att, w.wo, n, qDim, H, x, true); // x += att·Woᵀ
      if (w.bo !== null) addRowBias(x, w.bo, n, H);

      rmsNorm(x, w.mlpNorm, n, H, eps, xb);
      layerMlp(rs, l, n, H, I); // x += MLP(xb): dense, or Mixtral's routed experts
    }
  }

  private checkCache(kv: KVCache): LlamaKVCache {
    if (!(kv instanceof LlamaKVCache)) throw new TypeError("forward: the cache must come from LlamaModel.newCache()");
    const s = kv.shape;
    const c = this.config;
    if (s.numLayers !== c.numLayers || s.numKvHeads !== c.numKvHeads || s.headDim !== c.headDim) {
      throw new TypeError(
        `forward: cache shape (layers ${s.numLayers}, kv heads ${s.numKvHeads}, head dim ${s.headDim}) does not fit this model ` +
          `(layers ${c.numLayers}, kv heads ${c.numKvHeads}, head dim ${c.headDim})`,
      );
    }
    return kv;
  }
}
