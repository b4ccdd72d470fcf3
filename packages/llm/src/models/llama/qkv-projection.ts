/**
 * The attention inputs of one layer, for every family: q, k, v = xb·Wᵀ (one pool round:
 * linearGroup) (+ bias: Qwen2, or any
 * family with attention_bias), then Qwen3's RMSNorm of each head's q and k (weights [headDim],
 * shared by the heads) — all before RoPE, as transformers orders them.
 */
import { kernels } from "@mini/tensor";
import { linearGroup } from "./compact-weights.js";
import type { LayerViews } from "./run-state.js";

const { rmsNorm } = kernels;

export interface QkvShape {
  readonly hidden: number;
  readonly headDim: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly eps: number;
}

/** q: [n, nHeads·hd], k, v: [n, nKv·hd] from xb: [n, hidden]. */
export function projectQkv(w: LayerViews, s: QkvShape, xb: Float32Array, n: number, q: Float32Array, k: Float32Array, v: Float32Array): void {
  const qDim = s.numHeads * s.headDim;
  const kvDim = s.numKvHeads * s.headDim;
  linearGroup(xb, n, s.hidden, [{ w: w.wq, N: qDim, out: q }, { w: w.wk, N: kvDim, out: k }, { w: w.wv, N: kvDim, out: v }]);
  if (w.bq !== null) addRowBias(q, w.bq, n, qDim);
  if (w.bk !== null) addRowBias(k, w.bk, n, kvDim);
  if (w.bv !== null) addRowBias(v, w.bv, n, kvDim);
  // Per head: rows of headDim values ([n, heads, hd] is n·heads rows).
  if (w.qNorm !== null) rmsNorm(q.subarray(0, n * qDim), w.qNorm, n * s.numHeads, s.headDim, s.eps, q);
  if (w.kNorm !== null) rmsNorm(k.subarray(0, n * kvDim), w.kNorm, n * s.numKvHeads, s.headDim, s.eps, k);
}

/** x[t, i] += b[i] for t < n: x [n, dim] (row-major), b [dim]. */
export function addRowBias(x: Float32Array, b: Float32Array, n: number, dim: number): void {
  for (let t = 0; t < n; t++) {
    const off = t * dim;
    for (let i = 0; i < dim; i++) x[off + i] = x[off + i]! + b[i]!;
  }
}
