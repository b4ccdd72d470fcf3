/**
 * The batched forward of the inference Llama (continuous batching): the tokens of M sequences
 * (one each while decoding, a chunk while prefilling) go through the layers as one [N, hidden]
 * matrix, N = Σ tokens, so every weight matrix is read once per pass instead of once per
 * sequence; only RoPE, the cache writes and the attention are per sequence, each over its own
 * paged cache (LlamaPagedKV, addressed through the entry's block table).
 *
 * Per layer, as in LlamaModel.forwardChunk (x: [N, hidden]):
 *   xb = rmsNorm(x);  q, k, v = xb·Wᵀ (+ bias, q/k norms: qkv-projection.ts);  per row: rotate q, k at the row's own
 *   position, write k, v into its sequence's block;  per sequence: one fused attention call over its
 *   blocks (the kernel walks the block table; kernels.attentionBatch runs every sequence's call in
 *   one pool round);  x += att·Woᵀ (+ bias);  the MLP over all N rows (layer-mlp.ts: dense or routed).
 * then the final norm and lm_head on each entry's last row only ([M, hidden] · lm_headᵀ).
 */
import { heap, kernels, type RopeTable } from "@mini/tensor";
import type { BatchEntry, PagedKV } from "../causal-lm.js";
import { embeddingRow, linear } from "./compact-weights.js";
import type { LlamaConfig } from "./config.js";
import { layerWindow } from "./family-features.js";
import { layerMlp } from "./layer-mlp.js";
import { addRowBias, projectQkv } from "./qkv-projection.js";
import { LlamaPagedKV } from "./paged-kv.js";
import type { RunState } from "./run-state.js";

const { attentionBatch, rmsNorm, rope } = kernels;

/** Checks a batch before any work (each error names the entry); returns its highest position + 1. */
export function checkBatch(c: LlamaConfig, entries: readonly BatchEntry[], kv: PagedKV, maxRows: number): number {
  if (!(kv instanceof LlamaPagedKV) || kv.shape.numLayers !== c.numLayers || kv.shape.numKvHeads !== c.numKvHeads || kv.shape.headDim !== c.headDim) {
    throw new TypeError("forwardBatch: the paged cache must come from this model's newPagedKV()");
  }
  if (entries.length === 0) throw new RangeError("forwardBatch: no entries given (expected at least 1)");
  let rows = 0;
  let maxPos = 0;
  for (const [i, e] of entries.entries()) {
    const n = e.tokens.length;
    if (n === 0) throw new RangeError(`forwardBatch: entries[${i}] has no tokens (expected at least 1)`);
    rows += n;
    maxPos = Math.max(maxPos, e.position + n);
    if (e.position + n > c.maxSeqLen) throw new RangeError(`forwardBatch: entries[${i}] reaches position ${e.position + n}; context length is ${c.maxSeqLen}`);
    if (e.blockTable.length * kv.blockSize < e.position + n) {
      throw new RangeError(`forwardBatch: entries[${i}] needs positions up to ${e.position + n} but its block table holds ${e.blockTable.length} blocks of ${kv.blockSize}`);
    }
    for (let t = 0; t < n; t++) {
      const id = e.tokens[t]!;
      if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) throw new RangeError(`forwardBatch: entries[${i}].tokens[${t}] = ${id} is not a token id in [0, ${c.vocabSize})`);
    }
  }
  if (rows > maxRows) throw new RangeError(`forwardBatch: ${rows} tokens in one pass; at most ${maxRows} (maxBatchTokens)`);
  return maxPos;
}

export class BatchForward {
  /** [M, vocab] on the JS heap: valid until the next pass. */
  private logits: Float32Array = new Float32Array(0);

  constructor(
    private readonly c: LlamaConfig,
    private readonly rs: RunState,
  ) {}

  /** Runs the pass; returns the logits of each entry's last token ([M, vocab], a reused buffer). */
  run(entries: readonly BatchEntry[], kv: LlamaPagedKV, table: RopeTable): Float32Array {
    const c = this.c;
    const rs = this.rs;
    let n = 0;
    for (const e of entries) n += e.tokens.length;
    rs.refresh();
    // Nothing in the pass allocates in the WASM heap (the attention's scratch was reserved by
    // newPagedKV): a growth would throw HeapGrowthError naming what asked.
    heap.frozen("BatchedLlama.forwardBatch", () => this.pass(entries, kv, table, n));
    const size = entries.length * c.vocabSize;
    if (this.logits.length < size) this.logits = new Float32Array(size);
    this.logits.set(rs.vlogitsAll.subarray(0, size));
    return this.logits.subarray(0, size);
  }

  private pass(entries: readonly BatchEntry[], kv: LlamaPagedKV, table: RopeTable, n: number): void {
    const c = this.c;
    const rs = this.rs;
    const H = c.hiddenSize;
    const I = c.intermediateSize;
    const hd = c.headDim;
    const qDim = c.numHeads * hd;
    const kvDim = c.numKvHeads * hd;
    const eps = c.rmsNormEps;
    const { vx: x, vxb: xb, vq: q, vk: k, vv: v, vatt: att, embed } = rs;
    const keys = kv.keys.data;
    const values = kv.values.data;
    const bs = kv.blockSize;
    const scale = 1 / Math.sqrt(hd);
    // Per entry: the float offset of each of its blocks (layer 0, kv head 0); a layer adds layerStride.
    const blockOffsets = entries.map((e) => e.blockTable.map((b) => kv.slab(b, 0, 0)));

    // x = embedding rows of every entry's tokens, entry after entry.
    let row = 0;
    for (const e of entries) {
      for (let t = 0; t < e.tokens.length; t++, row++) embeddingRow(embed, e.tokens[t]!, H, x, row * H);
    }

    for (let l = 0; l < c.numLayers; l++) {
      const w = rs.layers[l]!;
      rmsNorm(x, w.attnNorm, n, H, eps, xb);
      projectQkv(w, { hidden: H, headDim: hd, numHeads: c.numHeads, numKvHeads: c.numKvHeads, eps }, xb, n, q, k, v);
      // Per entry: q and k rotated in place (its rows are positions e.position …), k and v
      // copied into each row's block slot; then every entry's attention over its own blocks, as
      // one batch of kernel calls (one pool round: a decoding entry alone is too small to split).
      const layerOff = l * kv.layerStride; // keys/values from this layer's slab of block 0
      const layerKeys = keys.subarray(layerOff);
      const layerValues = values.subarray(layerOff);
      row = 0;
      const calls = entries.map((e, i) => {
        const m = e.tokens.length;
        const qe = q.subarray(row * qDim, (row + m) * qDim);
        const ke = k.subarray(row * kvDim, (row + m) * kvDim);
        rope(qe, m, c.numHeads, hd, e.position, table, "half", qe);
        rope(ke, m, c.numKvHeads, hd, e.position, table, "half", ke);
        const blocks = blockOffsets[i]!;
        for (let t = 0; t < m; t++) {
          const p = e.position + t;
          const slot = layerOff + blocks[Math.floor(p / bs)]! + (p % bs) * hd;
          for (let kh = 0; kh < c.numKvHeads; kh++) {
            const dst = slot + kh * bs * hd;
            const src = (row + t) * kvDim + kh * hd;
            for (let j = 0; j < hd; j++) keys[dst + j] = k[src + j]!;
            for (let j = 0; j < hd; j++) values[dst + j] = v[src + j]!;
          }
        }
        const call = {
          q: qe, out: att.subarray(row * qDim, (row + m) * qDim), nQ: m, position: e.position,
          nHeads: c.numHeads, nKvHeads: c.numKvHeads, headDim: hd, keys: layerKeys, values: layerValues,
          blockSize: bs, blocks, window: layerWindow(c, l), scale,
        };
        row += m;
        return call;
      });
      attentionBatch(calls);
      linear(att, w.wo, n, qDim, H, x, true); // x += att·Woᵀ
      if (w.bo !== null) addRowBias(x, w.bo, n, H);
      rmsNorm(x, w.mlpNorm, n, H, eps, xb);
      layerMlp(rs, l, n, H, I); // x += MLP(xb): dense, or Mixtral's routed experts
    }

    // Each entry's last row of x → xb rows 0 … M − 1 → logits [M, vocab].
    row = 0;
    entries.forEach((e, i) => {
      row += e.tokens.length;
      xb.set(x.subarray((row - 1) * H, row * H), i * H);
    });
    const m = entries.length;
    rmsNorm(xb.subarray(0, m * H), rs.finalNorm, m, H, eps, xb.subarray(0, m * H));
    linear(xb, rs.lmHead, m, H, c.vocabSize, rs.vlogitsAll);
  }
}
