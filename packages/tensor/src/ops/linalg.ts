import { ShapeError, fmtShape } from "../errors.js";
import { broadcastShapes, numel, strides } from "../shape.js";
import { Tensor } from "../tensor.js";
import * as mm from "../kernels/matmul.js";

/**
 * Batched matrix products over the leading dims (batch dims broadcast like NumPy). When the
 * right operand is a plain matrix the batch is folded into M, so the kernel runs once.
 *   matmul:       [..., M, K] · [..., K, N] → [..., M, N]
 *   matmulTransB: [..., M, K] · [..., N, K]ᵀ → [..., M, N]   (x·Wᵀ, HF Linear layout)
 *   matmulTransA: [..., K, M]ᵀ · [..., K, N] → [..., M, N]   (weight gradients)
 */

type Kind = "matmul" | "matmulTransB" | "matmulTransA";

function batched(op: Kind, a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError(`${op}: both operands need rank ≥ 2, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const [a0, a1] = a.shape.slice(-2) as [number, number];
  const [b0, b1] = b.shape.slice(-2) as [number, number];
  // (M, K) from a, (K, N) from b, per layout.
  const [M, Ka] = op === "matmulTransA" ? [a1, a0] : [a0, a1];
  const [Kb, N] = op === "matmulTransB" ? [b1, b0] : [b0, b1];
  if (Ka !== Kb) {
    throw new ShapeError(`${op}: inner dims differ (${Ka} vs ${Kb}) for shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  const K = Ka;
  const kernel = mm[op];
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = broadcastShapes(op, aBatch, bBatch);
  const outShape = [...batch, M, N];
  const out = new Float32Array(numel(outShape));
  const ad = a.data;
  const bd = b.data;
  if (numel(bBatch) === 1 && op !== "matmulTransA") {
    // b is one matrix for every batch: fold a's batch into M (a is [batch·M, K], contiguous).
    kernel(ad, bd, numel(aBatch) * M, K, N, out);
    return Tensor.from(out, outShape);
  }
  const nb = numel(batch);
  const aStr = batchStrides(aBatch, batch, M * K);
  const bStr = batchStrides(bBatch, batch, K * N);
  const bs = strides(batch);
  for (let i = 0; i < nb; i++) {
    let ao = 0;
    let bo = 0;
    for (let d = 0; d < batch.length; d++) {
      const idx = Math.floor(i / bs[d]!) % batch[d]!;
      ao += idx * aStr[d]!;
      bo += idx * bStr[d]!;
    }
    kernel(ad.subarray(ao, ao + M * K), bd.subarray(bo, bo + K * N), M, K, N, out.subarray(i * M * N, (i + 1) * M * N));
  }
  return Tensor.from(out, outShape);
}

/** Offsets (in elements) per output batch index for an operand with batch dims `shape`; 0 on broadcast dims. */
function batchStrides(shape: readonly number[], batch: readonly number[], matrix: number): number[] {
  const s = new Array<number>(batch.length).fill(0);
  let acc = matrix;
  for (let i = shape.length - 1; i >= 0; i--) {
    const ax = batch.length - shape.length + i;
    s[ax] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i]!;
  }
  return s;
}

/** [..., M, K] · [..., K, N] → [..., M, N]. */
export const matmul = (a: Tensor, b: Tensor): Tensor => batched("matmul", a, b);
/** [..., M, K] · [..., N, K]ᵀ → [..., M, N]. */
export const matmulTransB = (a: Tensor, b: Tensor): Tensor => batched("matmulTransB", a, b);
/** [..., K, M]ᵀ · [..., K, N] → [..., M, N]. */
export const matmulTransA = (a: Tensor, b: Tensor): Tensor => batched("matmulTransA", a, b);
