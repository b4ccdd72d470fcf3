import { Tensor, ShapeError, kernels } from "@mini/tensor";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt, sameShape } from "../shape-check.js";

/**
 * matmul, matmulTransB, matmulTransA, batched over leading dims.
 *
 * Batching: a and b either have the same leading (batch) dims, or one of them is a plain matrix
 * shared by every batch (a weight). When b is the shared matrix of matmul / matmulTransB, the batch
 * is folded into M (a [..., M, K] is one [batch·M, K] matrix in memory), so x·Wᵀ over [B, T, d] is
 * ONE kernel call forward and one per gradient backward.
 *
 * Backward accumulates straight into the grads with the kernels' beta = 1 (no temporaries):
 *   C = A·B    (A [M,K], B [K,N]):  dA += dC·Bᵀ,  dB += Aᵀ·dC
 *   C = A·Bᵀ   (A [M,K], B [N,K]):  dA += dC·B,   dB += dCᵀ·A
 *   C = Aᵀ·B   (A [K,M], B [K,N]):  dA += B·dCᵀ,  dB += A·dC
 * A shared matrix receives the sum over the batch (beta = 1 again).
 */

type Variant = "matmul" | "matmulTransB" | "matmulTransA";

interface Plan {
  M: number;
  K: number;
  N: number;
  batch: number;
  aBatched: boolean;
  bBatched: boolean;
  /** Fold the batch into M (b shared, a's rows contiguous): one kernel call instead of `batch`. */
  fold: boolean;
  outShape: number[];
}

function plan(variant: Variant, aShape: readonly number[], bShape: readonly number[]): Plan {
  // Messages format the shapes only when thrown (formatting on every call would cost more than the checks).
  const both = (): string => `a ${fmt(aShape)} and b ${fmt(bShape)}`;
  if (aShape.length < 2 || bShape.length < 2) throw new ShapeError(`${variant}: needs matrices (rank ≥ 2), got ${both()}`);
  const ra = aShape.length;
  const rb = bShape.length;
  const a0 = aShape[ra - 2]!;
  const a1 = aShape[ra - 1]!;
  const b0 = bShape[rb - 2]!;
  const b1 = bShape[rb - 1]!;
  // [M, K, K of b, N] per variant (see the file comment for the layouts).
  const [M, K, Kb, N] =
    variant === "matmul" ? [a0, a1, b0, b1] : variant === "matmulTransB" ? [a0, a1, b1, b0] : [a1, a0, b0, b1];
  if (K !== Kb) throw new ShapeError(`${variant}: shared dim differs (${K} vs ${Kb}) for ${both()}`);
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  if (aBatch.length > 0 && bBatch.length > 0 && !sameShape(aBatch, bBatch)) {
    throw new ShapeError(`${variant}: batch dims ${fmt(aBatch)} and ${fmt(bBatch)} differ for ${both()} (they must match, or one operand must be a matrix)`);
  }
  const batchShape = aBatch.length > 0 ? aBatch : bBatch;
  let batch = 1;
  for (const d of batchShape) batch *= d;
  const aBatched = aBatch.length > 0;
  const bBatched = bBatch.length > 0;
  const fold = aBatched && !bBatched && variant !== "matmulTransA";
  return { M, K, N, batch, aBatched, bBatched, fold, outShape: [...batchShape, M, N] };
}

function batchedMatmul(variant: Variant, a: Variable, b: Variable): Variable {
  const p = plan(variant, a.shape, b.shape);
  const { M, K, N, batch } = p;
  const kernel = kernels[variant];
  const out = new Float32Array(batch * M * N);
  if (p.fold) kernel(a.data, b.data, batch * M, K, N, out);
  else {
    const aS = p.aBatched ? M * K : 0;
    const bS = p.bBatched ? K * N : 0;
    for (let i = 0; i < batch; i++) {
      // Views fetched per call: a WASM call may grow the heap, detaching earlier views of pinned data.
      const ai = a.data.subarray(i * aS, i * aS + M * K);
      const bi = b.data.subarray(i * bS, i * bS + K * N);
      kernel(ai, bi, M, K, N, out.subarray(i * M * N, (i + 1) * M * N));
    }
  }
  return record(variant, Tensor.from(out, p.outShape), [a, b], (dC) => backwardMatmul(variant, p, a, b, dC));
}

/** Row-major slice [off, off + n) of a value or of its grad, as a fresh view (see above). */
function part(v: Variable, grad: boolean, off: number, n: number): Float32Array {
  return (grad ? gradOf(v) : v.data).subarray(off, off + n);
}

function backwardMatmul(variant: Variant, p: Plan, a: Variable, b: Variable, dC: Float32Array): void {
  const { K, N } = p;
  const M = p.fold ? p.batch * p.M : p.M;
  const batch = p.fold ? 1 : p.batch;
  const aS = p.aBatched && !p.fold ? M * K : 0;
  const bS = p.bBatched ? K * N : 0;
  const cS = M * N;
  const aN = M * K;
  const bN = K * N;
  for (let i = 0; i < batch; i++) {
    const dCi = dC.subarray(i * cS, (i + 1) * cS); // a non-leaf grad: always a JS array
    const ao = i * aS;
    const bo = i * bS;
    if (variant === "matmul") {
      // dA [M,K] += dC [M,N] · Bᵀ (B [K,N]);  dB [K,N] += Aᵀ · dC
      if (a.requiresGrad) kernels.matmulTransB(dCi, part(b, false, bo, bN), M, N, K, part(a, true, ao, aN), 1, 1);
      if (b.requiresGrad) kernels.matmulTransA(part(a, false, ao, aN), dCi, K, M, N, part(b, true, bo, bN), 1, 1);
    } else if (variant === "matmulTransB") {
      // dA [M,K] += dC [M,N] · B [N,K];  dB [N,K] += dCᵀ · A [M,K]
      if (a.requiresGrad) kernels.matmul(dCi, part(b, false, bo, bN), M, N, K, part(a, true, ao, aN), 1, 1);
      if (b.requiresGrad) kernels.matmulTransA(dCi, part(a, false, ao, aN), N, M, K, part(b, true, bo, bN), 1, 1);
    } else {
      // dA [K,M] += B [K,N] · dCᵀ;  dB [K,N] += A [K,M] · dC [M,N]
      if (a.requiresGrad) kernels.matmulTransB(part(b, false, bo, bN), dCi, K, N, M, part(a, true, ao, aN), 1, 1);
      if (b.requiresGrad) kernels.matmul(part(a, false, ao, aN), dCi, K, M, N, part(b, true, bo, bN), 1, 1);
    }
  }
}

/** a · b:  a [..., M, K], b [K, N] or [..., K, N]  →  [..., M, N]. */
export function matmul(a: Variable, b: Variable): Variable {
  return batchedMatmul("matmul", a, b);
}

/** a · bᵀ:  a [..., M, K], b [N, K] or [..., N, K]  →  [..., M, N]  (x·Wᵀ with HF Linear weights [out, in]). */
export function matmulTransB(a: Variable, b: Variable): Variable {
  return batchedMatmul("matmulTransB", a, b);
}

/** aᵀ · b:  a [..., K, M], b [..., K, N] (either may be a shared matrix)  →  [..., M, N]. */
export function matmulTransA(a: Variable, b: Variable): Variable {
  return batchedMatmul("matmulTransA", a, b);
}
