/**
 * The inference Llama's seam to compact weights (the `dtype` model option): every Linear matrix
 * (q/k/v/o, gate/up/down, lm_head) and the token embedding may be a WeightMatrix of @mini/tensor
 * in bf16, f16, q8_0, q4_0, q4_k or q6_k instead of an f32 Tensor. The forward pass calls `linear` and
 * `embeddingRow`, which dispatch on which it is; norms, RoPE, softmax, the residual stream and the
 * KV cache stay float32.
 */
import { compact, kernels, PackedTransB, type Tensor, type TensorSource, WeightMatrix, type WeightDtype } from "@mini/tensor";
import { matrixDtype } from "./dtype-recipe.js";
import { EMBED_NAME, LM_HEAD_NAME, type LlamaWeights, type MatrixLoader } from "./weights.js";

/** A Linear weight [out, in] (HF layout) or the embedding [vocab, hidden]: f32 Tensor or compact. */
export type LinearWeight = Tensor | WeightMatrix;

/** What the forward pass holds for a LinearWeight: an f32 view of the heap, or the matrix. */
export type WeightView = Float32Array | WeightMatrix;

/** A Linear weight as the pass multiplies by it: also an f32 one packed once for gemm (BatchedLlama). */
export type LinearView = WeightView | PackedTransB;

export const linearView = (w: LinearWeight): WeightView => (w instanceof WeightMatrix ? w : w.data);

/** out [M, N] = x [M, K]·Wᵀ, or out += x·Wᵀ with accumulate (the residual adds). */
export function linear(x: Float32Array, w: LinearView, M: number, K: number, N: number, out: Float32Array, accumulate = false): void {
  if (w instanceof WeightMatrix) w.matmulTransB(x, M, out, accumulate);
  else if (w instanceof PackedTransB) w.matmulTransB(x, M, out, 1, accumulate ? 1 : 0);
  else kernels.matmulTransB(x, w, M, K, N, out, 1, accumulate ? 1 : 0);
}

/** The f32 weight itself when a packed one would not use its panels (M ≤ 2: gemv), so the group stays one round. */
const plainF32 = (w: LinearView, M: number): Float32Array | null => (w instanceof Float32Array ? w : w instanceof PackedTransB && M <= 2 ? w.w : null);

/** One product of linearGroup: out [M, N] = x·Wᵀ. */
export interface LinearProduct {
  w: LinearView;
  N: number;
  out: Float32Array;
}

/**
 * The products of one input x [M, K] (a layer's q, k, v; gate and up) as one kernel-pool round
 * where each would be its own (and the small ones on the calling thread alone), each with the bits
 * of its own `linear` call: f32 weights through kernels.matmulGroup, packed ones (BatchedLlama)
 * through PackedTransB.matmulTransBGroup, compact ones of one dtype through
 * WeightMatrix.matmulTransBGroup (x quantized once); anything else call by call.
 */
export function linearGroup(x: Float32Array, M: number, K: number, products: readonly LinearProduct[]): void {
  if (products.every((p) => plainF32(p.w, M) !== null)) {
    kernels.matmulGroup(products.map((p) => ({ layout: "nt" as const, a: x, b: plainF32(p.w, M)!, M, K, N: p.N, out: p.out })));
    return;
  }
  // f32 weights packed once (BatchedLlama), M > 2: gemmPackedB jobs of all the products in one round
  const packed = products.every((p) => p.w instanceof PackedTransB && p.w.K === K && p.w.N === p.N);
  if (packed && PackedTransB.matmulTransBGroup(x, M, products.map((p) => ({ w: p.w as PackedTransB, out: p.out })))) return;
  const compact = products.every((p) => p.w instanceof WeightMatrix && p.w.cols === K && p.w.rows === p.N);
  if (compact && WeightMatrix.matmulTransBGroup(x, M, products.map((p) => ({ w: p.w as WeightMatrix, out: p.out })))) return;
  for (const p of products) linear(x, p.w, M, K, p.N, p.out);
}

/** Embedding row `token` (dequantized if compact) into out[dst … dst + H). */
export function embeddingRow(embed: WeightView, token: number, H: number, out: Float32Array, dst: number): void {
  if (embed instanceof WeightMatrix) embed.row(token, out, dst);
  else out.set(embed.subarray(token * H, (token + 1) * H), dst);
}

/**
 * The matrix loader (loadLlamaWeights) of a load with `dtype`: each matrix converted, to its dtype
 * under the recipe (dtype-recipe.ts; `tied`: the model's embeddings are tied), while it is read
 * from `src` (TensorSource.readF32, piece by piece into WeightMatrix.encodeRows), so no float32
 * copy of a matrix exists, in the WASM heap or out of it, beyond a ~1 MiB staging buffer: the peak
 * memory of a compact load is the compact model. Undefined for f32 or a source without readF32
 * (then the model converts after loading: compactLlamaWeights).
 */
export function convertingMatrixLoader(src: TensorSource, dtype: WeightDtype, tied: boolean): MatrixLoader | undefined {
  const read = src.readF32?.bind(src);
  if (dtype === "f32" || read === undefined) return undefined;
  return (name, hfName) => {
    const [rows, cols] = src.info(name).shape as [number, number];
    return WeightMatrix.encodeRows(rows, cols, matrixDtype(dtype, hfName, cols, tied), name, (start, into) => read(name, start, into));
  };
}

/**
 * Converts the Linear matrices and the embedding of f32 weights to `dtype` (f32: returned as is;
 * the output matrix to its dtype under the recipe, dtype-recipe.ts), freeing each f32 tensor as
 * soon as its compact copy exists, so the peak is one tensor over the compact model. A tied
 * lm_head stays the same object as the embedding.
 */
export function compactLlamaWeights(w: LlamaWeights, dtype: WeightDtype): LlamaWeights {
  if (dtype === "f32") return w;
  const tied = w.lmHead === w.embed;
  checkKQuantRows(w, dtype, tied);
  const convert = (t: LinearWeight, name: string): LinearWeight => {
    if (t instanceof WeightMatrix) return t;
    const [rows, cols] = t.shape as [number, number];
    const m = WeightMatrix.fromF32(t.data, rows, cols, matrixDtype(dtype, name, cols, tied), name);
    t.dispose();
    return m;
  };
  const embed = convert(w.embed, EMBED_NAME);
  const layers = w.layers.map((l, i) => {
    const p = `model.layers.${i}.`;
    return {
      ...l,
      wq: convert(l.wq, `${p}self_attn.q_proj.weight`),
      wk: convert(l.wk, `${p}self_attn.k_proj.weight`),
      wv: convert(l.wv, `${p}self_attn.v_proj.weight`),
      wo: convert(l.wo, `${p}self_attn.o_proj.weight`),
      wGate: l.wGate === null ? null : convert(l.wGate, `${p}mlp.gate_proj.weight`),
      wUp: l.wUp === null ? null : convert(l.wUp, `${p}mlp.up_proj.weight`),
      wDown: l.wDown === null ? null : convert(l.wDown, `${p}mlp.down_proj.weight`),
      // a routed (Mixtral) layer: each expert's matrices (the small router stays f32)
      moe:
        l.moe === null
          ? null
          : {
              router: l.moe.router,
              experts: l.moe.experts.map((e, x) => {
                const q = `${p}block_sparse_moe.experts.${x}.`;
                return { w1: convert(e.w1, `${q}w1.weight`), w2: convert(e.w2, `${q}w2.weight`), w3: convert(e.w3, `${q}w3.weight`) };
              }),
            },
    };
  });
  return { ...w, embed, layers, lmHead: tied ? embed : convert(w.lmHead, LM_HEAD_NAME) };
}

/** A matrix held in q4_k / q6_k must have rows of whole 256-weight super-blocks: checked before any is converted. */
function checkKQuantRows(w: LlamaWeights, dtype: WeightDtype, tied: boolean): void {
  const named: [LinearWeight | null, string][] = [[w.embed, EMBED_NAME], [w.lmHead, LM_HEAD_NAME]];
  w.layers.forEach((l, i) => {
    const p = `model.layers.${i}.`;
    named.push([l.wq, `${p}self_attn.q_proj.weight`], [l.wo, `${p}self_attn.o_proj.weight`], [l.wDown, `${p}mlp.down_proj.weight`]);
    for (const [x, e] of (l.moe?.experts ?? []).entries()) named.push([e.w2, `${p}block_sparse_moe.experts.${x}.w2.weight`]);
  });
  for (const [t, name] of named) {
    if (t === null) continue;
    const cols = t instanceof WeightMatrix ? t.cols : t.shape[1]!;
    const d = matrixDtype(dtype, name, cols, tied);
    if (compact.isKQuant(d)) compact.checkKQuantRow(d, cols, name);
  }
}
