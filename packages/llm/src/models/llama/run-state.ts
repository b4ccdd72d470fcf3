/**
 * The activation buffers of the inference Llama (llama2.c's RunState): allocated once per model in
 * the WASM heap, all of them at construction (sized for the largest chunk of tokens fed in one
 * pass; the attention's scores live in the kernel's scratch, reserved at load: heap-budget.ts), and
 * reused by every forward, which allocates nothing. The `v*` fields are the Float32Array views the
 * forward pass works on; they are made at the start of a pass if the WASM memory grew since the
 * last one (between passes; during one, growth is forbidden: heap.frozen).
 */
import { Tensor } from "@mini/tensor";
import type { PackedTransB } from "@mini/tensor";
import { linearView, type LinearView, type LinearWeight, type WeightView } from "./compact-weights.js";
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

export class RunState {
  /** Rows (tokens) per pass; longer inputs are fed in chunks of this size. */
  readonly chunk: number;
  // Pinned buffers. C = chunk, H = hidden, Q = nHeads·headDim, KV = nKvHeads·headDim, I = intermediate.
  private readonly x: Tensor; //      [C, H]  residual stream
  private readonly xb: Tensor; //     [C, H]  normed input of a sublayer
  private readonly q: Tensor; //      [C, Q]  queries as projected ([C, nHeads, headDim])
  private readonly k: Tensor; //      [C, KV]
  private readonly v: Tensor; //      [C, KV]
  private readonly att: Tensor; //    [C, Q]  attention output, token-major (o_proj input)
  private readonly hb: Tensor; //     [C, I]  gate, then silu(gate)·up
  private readonly hb2: Tensor; //    [C, I]  up
  private readonly logits: Tensor; // [vocab] last position
  private readonly logitsAll: Tensor; // [C, vocab] for allLogits (untouched pages cost no memory until used)
  /** The routed MLP's buffers (Mixtral), null for a dense model. */
  readonly routed: RoutedMlp | null;
  /** Per layer: its router and experts (Mixtral), null for a dense layer. */
  readonly moeWeights: readonly (RoutedMlpWeights | null)[];

  vx: Float32Array = new Float32Array(0);
  vxb: Float32Array = new Float32Array(0);
  vq: Float32Array = new Float32Array(0);
  vk: Float32Array = new Float32Array(0);
  vv: Float32Array = new Float32Array(0);
  vatt: Float32Array = new Float32Array(0);
  vhb: Float32Array = new Float32Array(0);
  vhb2: Float32Array = new Float32Array(0);
  vlogits: Float32Array = new Float32Array(0);
  vlogitsAll: Float32Array = new Float32Array(0);
  /** Single-token (decode) views: the first row of hb and hb2 ([I] each). */
  hbRow: Float32Array = new Float32Array(0);
  hb2Row: Float32Array = new Float32Array(0);
  embed: WeightView = new Float32Array(0);
  finalNorm: Float32Array = new Float32Array(0);
  lmHead: LinearView = new Float32Array(0);
  layers: LayerViews[] = [];
  /** f32 Linear weights packed once for gemm (BatchedLlama): the pass multiplies by these instead. */
  readonly packed = new Map<LinearWeight, PackedTransB>();

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
    this.att = Tensor.pinned([chunk, qDim]);
    this.hb = Tensor.pinned([chunk, c.intermediateSize]);
    this.hb2 = Tensor.pinned([chunk, c.intermediateSize]);
    this.logits = Tensor.pinned([c.vocabSize]);
    this.logitsAll = Tensor.pinned([chunk, c.vocabSize]);
    this.routed = c.moe === null ? null : new RoutedMlp(c.hiddenSize, c.intermediateSize, c.moe, chunk);
    this.moeWeights = w.layers.map((l) => l.moe);
  }

  /**
   * Makes the views, if the WASM memory grew since they were made (Tensor.data is a new view
   * then). Called at the start of every pass, outside heap.frozen.
   */
  refresh(): void {
    if (this.x.data === this.vx) return;
    const c = this.c;
    this.vx = this.x.data;
    this.vxb = this.xb.data;
    this.vq = this.q.data;
    this.vk = this.k.data;
    this.vv = this.v.data;
    this.vatt = this.att.data;
    this.vhb = this.hb.data;
    this.vhb2 = this.hb2.data;
    this.hbRow = this.vhb.subarray(0, c.intermediateSize);
    this.hb2Row = this.vhb2.subarray(0, c.intermediateSize);
    this.vlogits = this.logits.data;
    this.vlogitsAll = this.logitsAll.data;
    this.embed = linearView(this.w.embed);
    this.finalNorm = this.w.finalNorm.data;
    const lin = (t: LinearWeight): LinearView => this.packed.get(t) ?? linearView(t);
    this.lmHead = lin(this.w.lmHead);
    this.layers = this.w.layers.map((l) => ({
      attnNorm: l.attnNorm.data,
      wq: lin(l.wq),
      wk: lin(l.wk),
      wv: lin(l.wv),
      wo: lin(l.wo),
      bq: l.bq?.data ?? null,
      bk: l.bk?.data ?? null,
      bv: l.bv?.data ?? null,
      bo: l.bo?.data ?? null,
      qNorm: l.qNorm?.data ?? null,
      kNorm: l.kNorm?.data ?? null,
      mlpNorm: l.mlpNorm.data,
      wGate: l.wGate === null ? null : lin(l.wGate),
      wUp: l.wUp === null ? null : lin(l.wUp),
      wDown: l.wDown === null ? null : lin(l.wDown),
    }));
  }

  dispose(): void {
    for (const t of [this.x, this.xb, this.q, this.k, this.v, this.att, this.hb, this.hb2, this.logits]) t.dispose();
    this.logitsAll.dispose();
    this.routed?.dispose();
  }
}
