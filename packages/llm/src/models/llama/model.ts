/**
 * The inference Llama/Mistral: one llama2.c-style forward over preallocated WASM-heap buffers,
 * no autograd. A prompt goes through as matrices ([n, hidden]·Wᵀ, in chunks of RunState.chunk
 * rows); a decoded token is the same code with n = 1 (matrix-vector products).
 *
 * Per layer (x: [n, hidden], the residual stream):
 *   xb = rmsNorm(x);  q, k, v = xb·Wqᵀ, xb·Wkᵀ, xb·Wvᵀ;  rotate q, k (RoPE, rotate_half layout);
 *   append k, v to the cache;  per kv head: softmax(q·Kᵀ/√headDim, causal [+ window])·V;
 *   x += att·Woᵀ;  xb = rmsNorm(x);  x += (silu(xb·Wgateᵀ)·(xb·Wupᵀ))·Wdownᵀ
 * then the final norm and lm_head on the last position (or all, with allLogits).
 */
import { kernels, RopeTable, type WeightDtype } from "@mini/tensor";
import type { CausalLM, ForwardOptions, KVCache } from "../causal-lm.js";
import { compactLlamaWeights, embeddingRow, linear } from "./compact-weights.js";
import type { LlamaConfig } from "./config.js";
import { layerWindow, windowOfEveryLayer } from "./family-features.js";
import { LlamaKVCache } from "./kv-cache.js";
import { layerMlp } from "./layer-mlp.js";
import { addRowBias, projectQkv } from "./qkv-projection.js";
import { ropeFrequencies } from "./rope-scaling.js";
import { copyQueryRows, QUERY_BLOCK, RunState } from "./run-state.js";
import { disposeLlamaWeights, type LlamaWeights } from "./weights.js";

const { matmul, matmulTransB, rmsNorm, rope, softmax } = kernels;

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
  private readonly logitsOut: Float32Array; // [vocab] on the JS heap: survives WASM memory growth

  constructor(config: LlamaConfig, weights: LlamaWeights, opts: LlamaModelOptions = {}) {
    this.config = config;
    this.weights = compactLlamaWeights(weights, opts.dtype ?? "f32");
    const chunk = Math.max(1, Math.min(opts.prefillChunk ?? 128, config.maxSeqLen));
    this.rs = new RunState(config, this.weights, chunk);
    this.ropeTable = new RopeTable(config.headDim, ropeFrequencies(config));
    this.ropeTable.ensure(Math.min(config.maxSeqLen, 4096));
    this.logitsOut = new Float32Array(config.vocabSize);
  }

  newCache(maxLen = this.config.maxSeqLen): LlamaKVCache {
    if (!Number.isInteger(maxLen) || maxLen <= 0 || maxLen > this.config.maxSeqLen) {
      throw new RangeError(`newCache: maxLen must be an integer in [1, ${this.config.maxSeqLen}] (max_position_embeddings), got ${maxLen}`);
    }
    const c = this.config;
    return new LlamaKVCache({ numLayers: c.numLayers, numKvHeads: c.numKvHeads, headDim: c.headDim }, maxLen);
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
    // Keys a pass can see: the whole cache, or when every layer has a window the window plus one chunk.
    const maxKeys = Math.min(cache.maxLen, (windowOfEveryLayer(c) ?? Infinity) + rs.chunk);
    rs.prepare(maxKeys, allLogits);
    const out = allLogits ? new Float32Array(n * c.vocabSize) : this.logitsOut;

    for (let off = 0; off < n; off += rs.chunk) {
      const len = Math.min(rs.chunk, n - off);
      // If a kernel grows the WASM memory mid-pass (its scratch, on a first use or a model near
      // 1 GiB), every view we hold is detached: later kernels see empty arrays (and throw) or
      // writes vanish. The cache position has not moved yet, so the pass is simply run again
      // with fresh views; the second run needs no new scratch.
      try {
        this.forwardChunk(tokens, off, len, cache);
      } catch (e) {
        if (rs.attached) throw e;
      }
      if (!rs.attached) {
        rs.refresh();
        this.forwardChunk(tokens, off, len, cache);
      }
      cache.advance(len);
      if (allLogits || off + len === n) {
        try {
          this.logits(len, allLogits, out, off);
        } catch (e) {
          if (rs.attached) throw e;
        }
        if (!rs.attached) {
          rs.refresh();
          this.logits(len, allLogits, out, off);
        }
      }
    }
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
    const group = nHeads / nKv;
    const eps = c.rmsNormEps;
    const pos0 = cache.position;
    const maxLen = cache.maxLen;
    const keys = cache.keys.data;
    const values = cache.values.data;
    const { vx: x, vxb: xb, vq: q, vk: k, vv: v, vqT: qT, vatt: att, vattT: attT, embed } = rs;
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
      // v to the cache at [l, kvHead, pos]; for several tokens, copy q into qT (by kv head: see
      // copyQueryRows).
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
      if (n > 1) copyQueryRows(q, qT, n, nKv, group, hd, true);

      this.attention(l, n, pos0, cache);

      if (n > 1) copyQueryRows(att, attT, n, nKv, group, hd, false); // attT (rows as in qT) → att [n, nHeads, hd]
      linear(att, w.wo, n, qDim, H, x, true); // x += att·Woᵀ
      if (w.bo !== null) addRowBias(x, w.bo, n, H);

      rmsNorm(x, w.mlpNorm, n, H, eps, xb);
      layerMlp(rs, l, n, H, I); // x += MLP(xb): dense, or Mixtral's routed experts
    }
  }

  /**
   * Grouped-query attention of the n queries at positions pos0 … pos0 + n − 1 over the cached
   * keys/values (which already include these positions). For each kv head, its group's queries
   * are one block of rows, so the scores of a run of tokens are one matmulTransB against the keys
   * block and the output one matmul with the values block. A prompt goes in runs of QUERY_BLOCK
   * tokens, each over the keys it can see, which skips most of the masked (future) half of the
   * score matrix. A run's rows are ordered (head, token), so row r is token t0 + (r mod T): the
   * causal mask of the tensor kernel's softmax (period T, and Mistral's window where it cuts into
   * the run).
   */
  private attention(l: number, n: number, pos0: number, cache: LlamaKVCache): void {
    const c = this.config;
    const rs = this.rs;
    const hd = c.headDim;
    const nKv = c.numKvHeads;
    const group = c.numHeads / nKv;
    const window = layerWindow(c, l);
    const scale = 1 / Math.sqrt(hd);
    const scores = rs.vscores;
    const keyBlocks = cache.keyViews();
    const valueBlocks = cache.valueViews();

    for (let t0 = 0; t0 < n; t0 += QUERY_BLOCK) {
      const t1 = Math.min(n, t0 + QUERY_BLOCK);
      const rows = (t1 - t0) * group;
      // Keys these queries may see: up to the last one's position; with a window, from the
      // first one's window start (query p sees (p − window, p]).
      const first = pos0 + t0;
      const kStart = window !== null && first - window + 1 > 0 ? first - window + 1 : 0;
      const L = pos0 + t1 - kStart;
      for (let kh = 0; kh < nKv; kh++) {
        let qb: Float32Array;
        let ob: Float32Array;
        if (n === 1) {
          qb = rs.qGroup[kh]!;
          ob = rs.attGroup[kh]!;
        } else {
          const off = (kh * n + t0) * group * hd;
          qb = rs.vqT.subarray(off, off + rows * hd);
          ob = rs.vattT.subarray(off, off + rows * hd);
        }
        let kb = keyBlocks[l * nKv + kh]!;
        let vb = valueBlocks[l * nKv + kh]!;
        if (kStart > 0) {
          kb = kb.subarray(kStart * hd);
          vb = vb.subarray(kStart * hd);
        }
        matmulTransB(qb, kb, rows, hd, L, scores, scale); // scores [rows, L] = q·Kᵀ/√hd
        // Row r (token t0 + r mod T) sees local keys ≤ offset + r mod T, and with a window > that − window.
        const T = t1 - t0;
        const offset = first - kStart;
        softmax(scores, rows, L, scores, window === null ? { offset, period: T } : { offset, period: T, window });
        matmul(scores, vb, rows, L, hd, ob); // [rows, hd] = P·V
      }
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
