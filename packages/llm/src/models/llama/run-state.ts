/**
 * The activation buffers of the inference Llama (llama2.c's RunState): allocated once per model in
 * the WASM heap, sized for the largest chunk of tokens fed in one pass, and reused by every
 * forward. The `v*` fields are the Float32Array views the forward pass works on; they are made
 * once and re-made only when the WASM memory grew (which detaches old views).
 */
import { Tensor } from "@mini/tensor";
import { linearView, type LinearView } from "./compact-weights.js";
import type { LlamaConfig } from "./config.js";
import { RoutedMlp, type RoutedMlpWeights } from "./routed-mlp.js";
import type { LlamaWeights } from "./weights.js";

/** The raw arrays of one layer's weights (see LayerWeights for shapes; null = absent in this family). */
export interface LayerViews {
  attnNorm: Float32Array;
  wq: LinearView;
  wk: LinearView;
  wv: LinearView;
  wo: LinearView;
  bq: Float32Array | null;
  bk: Float32Array | null;
  bv: Float32Array | null;
  bo: Float32Array | null;
  qNorm: Float32Array | null;
  kNorm: Float32Array | null;
  mlpNorm: Float32Array;
  wGate: LinearView | null;
  wUp: LinearView | null;
  wDown: LinearView | null;
}

/**
 * Tokens per run of queries in the attention of a prompt: each run's scores cover only the keys
 * it can see (see LlamaModel.attention), and the scores buffer holds one run.
 */
export const QUERY_BLOCK = 32;

export class RunState {
  /** Rows (tokens) per pass; longer inputs are fed in chunks of this size. */
  readonly chunk: number;
  // Pinned buffers. C = chunk, H = hidden, Q = nHeads·headDim, KV = nKvHeads·headDim, I = intermediate.
  private readonly x: Tensor; //      [C, H]  residual stream
  private readonly xb: Tensor; //     [C, H]  normed input of a sublayer
  private readonly q: Tensor; //      [C, Q]  queries as projected ([C, nHeads, headDim])
  private readonly k: Tensor; //      [C, KV]
  private readonly v: Tensor; //      [C, KV]
  private readonly qT: Tensor; //     [kvHeads, C·group, headDim] rotated queries by kv head (prefill; row order: model.ts queryRow)
  private readonly attT: Tensor; //   [kvHeads, C·group, headDim] attention output, rows as in qT
  private readonly att: Tensor; //    [C, Q]  attention output, token-major (o_proj input)
  private readonly hb: Tensor; //     [C, I]  gate, then silu(gate)·up
  private readonly hb2: Tensor; //    [C, I]  up
  private readonly logits: Tensor; // [vocab] last position
  private scores: Tensor | null = null; //     [group·C, L] attention scores, grown on demand
  private logitsAll: Tensor | null = null; //  [C, vocab] for allLogits, made on first use
  /** The routed MLP's buffers (Mixtral), null for a dense model. */
  readonly routed: RoutedMlp | null;
  /** Per layer: its router and experts (Mixtral), null for a dense layer. */
  readonly moeWeights: readonly (RoutedMlpWeights | null)[];

  vx: Float32Array = new Float32Array(0);
  vxb: Float32Array = new Float32Array(0);
  vq: Float32Array = new Float32Array(0);
  vk: Float32Array = new Float32Array(0);
  vv: Float32Array = new Float32Array(0);
  vqT: Float32Array = new Float32Array(0);
  vattT: Float32Array = new Float32Array(0);
  vatt: Float32Array = new Float32Array(0);
  vhb: Float32Array = new Float32Array(0);
  vhb2: Float32Array = new Float32Array(0);
  vlogits: Float32Array = new Float32Array(0);
  vscores: Float32Array = new Float32Array(0);
  vlogitsAll: Float32Array = new Float32Array(0);
  /** Single-token (decode) views: the first row of hb and hb2 ([I] each). */
  hbRow: Float32Array = new Float32Array(0);
  hb2Row: Float32Array = new Float32Array(0);
  /** Single-token (decode) views: per kv head, its group's queries and attention outputs. */
  qGroup: Float32Array[] = [];
  attGroup: Float32Array[] = [];
  embed: LinearView = new Float32Array(0);
  finalNorm: Float32Array = new Float32Array(0);
  lmHead: LinearView = new Float32Array(0);
  layers: LayerViews[] = [];

  constructor(
    private readonly c: LlamaConfig,
    private readonly w: LlamaWeights,
    chunk: number,
  ) {
    this.chunk = chunk;
    const qDim = c.numHeads * c.headDim;
    const kvDim = c.numKvHeads * c.headDim;
    this.x = Tensor.pinned([chunk, c.hiddenSize]);
    this.xb = Tensor.pinned([chunk, c.hiddenSize]);
    this.q = Tensor.pinned([chunk, qDim]);
    this.k = Tensor.pinned([chunk, kvDim]);
    this.v = Tensor.pinned([chunk, kvDim]);
    this.qT = Tensor.pinned([chunk, qDim]);
    this.attT = Tensor.pinned([chunk, qDim]);
    this.att = Tensor.pinned([chunk, qDim]);
    this.hb = Tensor.pinned([chunk, c.intermediateSize]);
    this.hb2 = Tensor.pinned([chunk, c.intermediateSize]);
    this.logits = Tensor.pinned([c.vocabSize]);
    this.routed = c.moe === null ? null : new RoutedMlp(c.hiddenSize, c.intermediateSize, c.moe, chunk);
    this.moeWeights = w.layers.map((l) => l.moe);
  }

  /**
   * Makes sure the lazily sized buffers can hold a pass over keys of up to `maxKeys` positions
   * (and all-position logits if asked), then refreshes the views. Call before every forward:
   * allocation may grow the WASM memory, so nothing here may run while views are in use.
   */
  prepare(maxKeys: number, allLogits: boolean): void {
    const group = this.c.numHeads / this.c.numKvHeads;
    const need = group * Math.min(this.chunk, QUERY_BLOCK) * maxKeys;
    let allocated = false;
    if (this.scores === null || this.scores.size < need) {
      this.scores?.dispose();
      this.scores = Tensor.pinned([need]);
      allocated = true;
    }
    if (allLogits && this.logitsAll === null) {
      this.logitsAll = Tensor.pinned([this.chunk, this.c.vocabSize]);
      allocated = true;
    }
    this.refresh(allocated);
  }

  /** True when the views are still attached (the WASM memory did not grow since refresh()). */
  get attached(): boolean {
    return this.vx.length !== 0;
  }

  /** Re-makes the views if the WASM memory grew since they were made (or always, with force). */
  refresh(force = false): void {
    if (!force && this.x.data === this.vx && this.attached) return;
    const c = this.c;
    this.vx = this.x.data;
    this.vxb = this.xb.data;
    this.vq = this.q.data;
    this.vk = this.k.data;
    this.vv = this.v.data;
    this.vqT = this.qT.data;
    this.vattT = this.attT.data;
    this.vatt = this.att.data;
    this.vhb = this.hb.data;
    this.vhb2 = this.hb2.data;
    this.hbRow = this.vhb.subarray(0, c.intermediateSize);
    this.hb2Row = this.vhb2.subarray(0, c.intermediateSize);
    this.vlogits = this.logits.data;
    this.vscores = this.scores === null ? new Float32Array(0) : this.scores.data;
    this.vlogitsAll = this.logitsAll === null ? new Float32Array(0) : this.logitsAll.data;
    const gDim = (c.numHeads / c.numKvHeads) * c.headDim;
    this.qGroup = [];
    this.attGroup = [];
    for (let kh = 0; kh < c.numKvHeads; kh++) {
      this.qGroup.push(this.vq.subarray(kh * gDim, (kh + 1) * gDim));
      this.attGroup.push(this.vatt.subarray(kh * gDim, (kh + 1) * gDim));
    }
    this.embed = linearView(this.w.embed);
    this.finalNorm = this.w.finalNorm.data;
    this.lmHead = linearView(this.w.lmHead);
    this.layers = this.w.layers.map((l) => ({
      attnNorm: l.attnNorm.data,
      wq: linearView(l.wq),
      wk: linearView(l.wk),
      wv: linearView(l.wv),
      wo: linearView(l.wo),
      bq: l.bq?.data ?? null,
      bk: l.bk?.data ?? null,
      bv: l.bv?.data ?? null,
      bo: l.bo?.data ?? null,
      qNorm: l.qNorm?.data ?? null,
      kNorm: l.kNorm?.data ?? null,
      mlpNorm: l.mlpNorm.data,
      wGate: l.wGate === null ? null : linearView(l.wGate),
      wUp: l.wUp === null ? null : linearView(l.wUp),
      wDown: l.wDown === null ? null : linearView(l.wDown),
    }));
  }

  dispose(): void {
    for (const t of [this.x, this.xb, this.q, this.k, this.v, this.qT, this.attT, this.att, this.hb, this.hb2, this.logits]) t.dispose();
    this.scores?.dispose();
    this.logitsAll?.dispose();
    this.routed?.dispose();
  }
}

/**
 * Row of qT/attT holding query head h of kv head kh's group for token t of a pass of n tokens:
 * kv head kh's block is n·group rows; in it, the run of tokens t0 … t0 + T − 1 (t0 = t − t mod
 * QUERY_BLOCK, T its length) is T·group rows ordered (head, token).
 */
export function queryRow(kh: number, t: number, h: number, n: number, group: number, T: number): number {
  const tr = t % QUERY_BLOCK;
  return (kh * n + t - tr) * group + h * T + tr;
}

/**
 * Copies query-shaped rows between token-major [n, nKv·group, hd] (q, att) and the kv-head blocks
 * of qT / attT, where each kv head's queries are one block of n·group rows, cut into runs of
 * QUERY_BLOCK tokens, each run's rows ordered (head, token) (see queryRow). toBlocks: tokenMajor
 * → blocks (q → qT); else blocks → tokenMajor (attT → att).
 */
export function copyQueryRows(
  tokenMajor: Float32Array, blocks: Float32Array, n: number, nKv: number, group: number, hd: number, toBlocks: boolean,
): void {
  for (let t = 0; t < n; t++) {
    const t0 = t - (t % QUERY_BLOCK);
    const T = Math.min(QUERY_BLOCK, n - t0);
    for (let kh = 0; kh < nKv; kh++) {
      for (let h = 0; h < group; h++) {
        const a = ((t * nKv + kh) * group + h) * hd;
        const b = queryRow(kh, t, h, n, group, T) * hd;
        if (toBlocks) for (let i = 0; i < hd; i++) blocks[b + i] = tokenMajor[a + i]!;
        else for (let i = 0; i < hd; i++) tokenMajor[a + i] = blocks[b + i]!;
      }
    }
  }
}
