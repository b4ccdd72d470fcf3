import { Tensor, ShapeError, kernels } from "@mini/tensor";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt } from "../shape-check.js";

/**
 * linear(x, weight, bias?) = x·Wᵀ + b over the last axis (PyTorch's F.linear; W in the HF/PyTorch
 * layout [out, in]):  x [..., in] → [..., out].
 *
 * One op instead of matmulTransB + a broadcast add, because at small sizes (a training step on a
 * short sequence) the per-op cost of the add is comparable to the product itself:
 *   forward:  each output row starts as a copy of the bias, and the kernel adds x·Wᵀ on top (beta = 1);
 *   backward: dx += dy·W,  dW += dyᵀ·x  (beta = 1, straight into the grads; one matmulGroup, so the
 *             kernel pool runs them side by side),  db += Σ_rows dy
 *             (kernels.addColumnSums, where the broadcast add would go through reduceToShape and a temporary).
 * All leading dims of x are folded into the rows: ONE kernel call forward, one per gradient backward.
 */
export function linear(x: Variable, weight: Variable, bias: Variable | null = null): Variable {
  if (weight.rank !== 2) throw new ShapeError(`linear: weight must be [out, in], got ${fmt(weight.shape)}`);
  const [N, K] = weight.shape as [number, number]; // out, in
  if (x.rank < 1 || x.shape[x.rank - 1] !== K) {
    throw new ShapeError(`linear: x ${fmt(x.shape)} must end in ${K} (in features of weight ${fmt(weight.shape)})`);
  }
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== N)) {
    throw new ShapeError(`linear: bias must be [${N}] for weight ${fmt(weight.shape)}, got ${fmt(bias.shape)}`);
  }
  const M = K === 0 ? 0 : x.size / K; // rows
  const out = new Float32Array(M * N); // [M, N]
  if (bias !== null) {
    const b = bias.data;
    for (let r = 0; r < M; r++) out.set(b, r * N);
  }
  const y = kernels.matmulTransB(x.data, weight.data, M, K, N, out, 1, bias === null ? 0 : 1);
  const outShape = [...x.shape.slice(0, -1), N];
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record("linear", Tensor.from(y, outShape), inputs, (dy) => {
    // Views of pinned values and grads are fetched right before each kernel call: a WASM call may
    // grow the heap, which detaches views made earlier.
    if (x.requiresGrad && weight.requiresGrad) {
      // independent products of the same size: one kernel-pool round, one product per thread
      kernels.matmulGroup([
        { layout: "nn", a: dy, b: weight.data, M, K: N, N: K, out: gradOf(x), beta: 1 }, // dx [M,K] += dy [M,N]·W [N,K]
        { layout: "tn", a: dy, b: x.data, M: N, K: M, N: K, out: gradOf(weight), beta: 1 }, // dW [N,K] += dyᵀ·x [M,K]
      ]);
    } else {
      if (x.requiresGrad) kernels.matmul(dy, weight.data, M, N, K, gradOf(x), 1, 1); // [M,N]·[N,K]
      if (weight.requiresGrad) kernels.matmulTransA(dy, x.data, N, M, K, gradOf(weight), 1, 1); // [M,N]ᵀ·[M,K]
    }
    if (bias !== null && bias.requiresGrad) kernels.addColumnSums(dy, M, N, gradOf(bias)); // db [N] += Σ_rows dy
  });
}
