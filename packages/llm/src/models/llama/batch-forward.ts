/**
 * The batched forward of the inference Llama (continuous batching): the tokens of M sequences
 * (one each while decoding, a chunk while prefilling) go through the layers as one [N, hidden]
 * matrix, N = Σ tokens, so every weight matrix is read once per pass instead of once per
 * sequence; only RoPE, the cache writes and the attention are per sequence, each over its own
 * paged cache (LlamaPagedKV, addressed through the entry's block table).
 *
 * Per layer, as in LlamaModel.forwardChunk (x: [N, hidden]):
 *   xb = rmsNorm(x);  q, k, v = xb·Wᵀ (+ bias, q/k norms: qkv-projection.ts);  per row: rotate q, k at the row's own
 *   position, write k, v into its sequence's block;  per sequence and kv head: attention over its
 *   blocks;  x += att·Woᵀ (+ bias);  the MLP over all N rows (layer-mlp.ts: dense or routed).
 * then the final norm and lm_head on each entry's last row only ([M, hidden] · lm_headᵀ).
 */
import { kernels, Tensor, type RopeTable } from "@mini/tensor";
import type { BatchEntry, PagedKV } from "../causal-lm.js";
import { embeddingRow, linear } from "./compact-weights.js";
import type { LlamaConfig } from "./config.js";
import { layerWindow } from "./family-features.js";
import { layerMlp } from "./layer-mlp.js";
import { addRowBias, projectQkv } from "./qkv-projection.js";
import { LlamaPagedKV } from "./paged-kv.js";
import type { RunState } from "./run-state.js";

const { matmul, matmulTransB, rmsNorm, rope, softmax } = kernels;

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
  // Pinned scratch: scores [rows, keys] of one (sequence, kv head), and one block's share of them.
  private scores: Tensor | null = null;
  private part: Tensor | null = null;
  private vscores: Float32Array = new Float32Array(0);
  private vpart: Float32Array = new Float32Array(0);
  /** [M, vocab] on the JS heap: survives WASM memory growth until the next pass. */
  private logits: Float32Array = new Float32Array(0);

  constructor(
    private readonly c: LlamaConfig,
    private readonly rs: RunState,
  ) {}

  /** Runs the pass; returns the logits of each entry's last token ([M, vocab], a reused buffer). */
  run(entries: readonly BatchEntry[], kv: LlamaPagedKV, table: RopeTable): Float32Array {
    const c = this.c;
    const rs = this.rs;
    const group = c.numHeads / c.numKvHeads;
    let n = 0;
    let maxRows = 0;
    let maxKeys = 0;
    for (const e of entries) {
      n += e.tokens.length;
      maxRows = Math.max(maxRows, e.tokens.length * group);
      maxKeys = Math.max(maxKeys, e.position + e.tokens.length + kv.blockSize);
    }
    this.prepare(maxRows * maxKeys, maxRows * kv.blockSize);
    rs.prepare(1, true); // all-rows logits buffer [chunk, vocab]; may grow the WASM memory
    // A kernel's first use may grow the WASM memory mid-pass, detaching every view: run again.
    // Writes are idempotent (the same keys/values at the same positions), so a rerun is safe.
    try {
      this.pass(entries, kv, table, n);
    } catch (e) {
      if (rs.attached) throw e;
    }
    if (!rs.attached || this.vscores.length === 0) {
      rs.refresh();
      this.refresh();
      this.pass(entries, kv, table, n);
    }
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
      // copied into each row's block slot; then its attention.
      row = 0;
      for (const e of entries) {
        const m = e.tokens.length;
        rope(q.subarray(row * qDim, (row + m) * qDim), m, c.numHeads, hd, e.position, table, "half", q.subarray(row * qDim, (row + m) * qDim));
        rope(k.subarray(row * kvDim, (row + m) * kvDim), m, c.numKvHeads, hd, e.position, table, "half", k.subarray(row * kvDim, (row + m) * kvDim));
        for (let t = 0; t < m; t++) {
          const p = e.position + t;
          const block = e.blockTable[Math.floor(p / bs)]!;
          const slot = (p % bs) * hd;
          for (let kh = 0; kh < c.numKvHeads; kh++) {
            const dst = kv.slab(block, l, kh) + slot;
            const src = (row + t) * kvDim + kh * hd;
            keys.set(k.subarray(src, src + hd), dst);
            values.set(v.subarray(src, src + hd), dst);
          }
        }
        this.attention(l, e, row, kv, keys, values);
        row += m;
      }
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

  /**
   * Attention of entry e's n queries (rows row0 … row0 + n − 1 of q, rotated) over its cached positions
   * [kStart, position + n), into att. Per kv head, its group's queries are rows ordered (head,
   * token) in qT (so the softmax kernel's causal mask applies, period n); the scores against each
   * block are one matmulTransB, and the output Σ over blocks of P_block·V_block.
   */
  private attention(l: number, e: BatchEntry, row0: number, kv: LlamaPagedKV, keys: Float32Array, values: Float32Array): void {
    const c = this.c;
    const rs = this.rs;
    const hd = c.headDim;
    const group = c.numHeads / c.numKvHeads;
    const qDim = c.numHeads * hd;
    const n = e.tokens.length;
    const rows = n * group;
    const bs = kv.blockSize;
    const window = layerWindow(c, l);
    const scale = 1 / Math.sqrt(hd);
    const end = e.position + n; // keys [0, end) are in the cache now
    // First key any of these queries sees, rounded down to its block: local column 0.
    const first = window !== null && e.position - window + 1 > 0 ? e.position - window + 1 : 0;
    const b0 = Math.floor(first / bs);
    const base = b0 * bs;
    const L = end - base;
    const offset = e.position - base; // local column of the first query's own key
    const scores = this.vscores;
    const part = this.vpart;
    const qb = rs.vqT.subarray(0, rows * hd);
    const ob = rs.vattT.subarray(0, rows * hd);
    for (let kh = 0; kh < c.numKvHeads; kh++) {
      for (let h = 0; h < group; h++) {
        for (let t = 0; t < n; t++) {
          const src = (row0 + t) * qDim + (kh * group + h) * hd;
          qb.set(rs.vq.subarray(src, src + hd), (h * n + t) * hd);
        }
      }
      // scores [rows, L]: block by block.
      for (let b = b0, col = 0; col < L; b++, col += bs) {
        const cnt = Math.min(bs, L - col);
        const ks = kv.slab(e.blockTable[b]!, l, kh);
        matmulTransB(qb, keys.subarray(ks, ks + cnt * hd), rows, hd, cnt, part, scale);
        for (let r = 0; r < rows; r++) scores.set(part.subarray(r * cnt, (r + 1) * cnt), r * L + col);
      }
      softmax(scores, rows, L, scores, window === null ? { offset, period: n } : { offset, period: n, window });
      // ob [rows, hd] = Σ_blocks P[:, block] · V_block
      for (let b = b0, col = 0; col < L; b++, col += bs) {
        const cnt = Math.min(bs, L - col);
        for (let r = 0; r < rows; r++) part.set(scores.subarray(r * L + col, r * L + col + cnt), r * cnt);
        const vs = kv.slab(e.blockTable[b]!, l, kh);
        matmul(part, values.subarray(vs, vs + cnt * hd), rows, cnt, hd, ob, 1, col === 0 ? 0 : 1);
      }
      // ob rows (head, token) → att [N, nHeads, hd]
      for (let h = 0; h < group; h++) {
        for (let t = 0; t < n; t++) {
          const src = (h * n + t) * hd;
          rs.vatt.set(ob.subarray(src, src + hd), (row0 + t) * qDim + (kh * group + h) * hd);
        }
      }
    }
  }

  /** Grows the scratch to hold `scores` and `part` floats (before any view is taken). */
  private prepare(scores: number, part: number): void {
    let grown = false;
    if (this.scores === null || this.scores.size < scores) {
      this.scores?.dispose();
      this.scores = Tensor.pinned([Math.max(scores, 1)]);
      grown = true;
    }
    if (this.part === null || this.part.size < part) {
      this.part?.dispose();
      this.part = Tensor.pinned([Math.max(part, 1)]);
      grown = true;
    }
    if (grown || this.vscores !== this.scores.data) this.refresh();
  }

  private refresh(): void {
    this.vscores = this.scores!.data;
    this.vpart = this.part!.data;
  }

  dispose(): void {
    this.scores?.dispose();
    this.part?.dispose();
  }
}
