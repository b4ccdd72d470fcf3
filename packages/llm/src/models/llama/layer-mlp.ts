/**
 * The MLP half of a layer, shared by the one-sequence forward (model.ts) and the batched one
 * (batch-forward.ts): x[0 … n) += MLP(xb[0 … n)), where xb is the post-attention-normed residual.
 * Dense (Llama, Mistral, Qwen): down(silu(gate·xb) ⊙ up·xb). Routed (Mixtral): the token's top-k
 * experts, weighted (routed-mlp.ts).
 */
import { kernels } from "@mini/tensor";
import { linear, linearGroup } from "./compact-weights.js";
import type { RunState } from "./run-state.js";

const { swiglu } = kernels;

export function layerMlp(rs: RunState, l: number, n: number, hidden: number, intermediate: number): void {
  const { vx: x, vxb: xb, vhb: hb, vhb2: hb2 } = rs;
  const moe = rs.moeWeights[l];
  if (rs.routed !== null && moe !== undefined && moe !== null) {
    rs.routed.run(xb, x, n, moe);
    return;
  }
  const w = rs.layers[l]!;
  const H = hidden;
  const I = intermediate;
  linearGroup(xb, n, H, [{ w: w.wGate!, N: I, out: hb }, { w: w.wUp!, N: I, out: hb2 }]); // one pool round
  if (n === 1) swiglu(rs.hbRow, rs.hb2Row, rs.hbRow); // hb = silu(gate)·up
  else swiglu(hb.subarray(0, n * I), hb2.subarray(0, n * I), hb);
  linear(hb, w.wDown!, n, I, H, x, true); // x += h·Wdownᵀ
}
