import { ShapeError, fmtShape } from "../errors.js";
import { Tensor } from "../tensor.js";
import { transposeLast2 } from "../kernels/layout.js";
import { topK as topKKernel } from "../kernels/topk.js";

/** Layout ops on Tensors (each a copy; tensors are always contiguous). */

export { concat, slice } from "../kernels/layout.js";

/** Swaps the last two axes: [..., R, C] → [..., C, R]. */
export function transpose(t: Tensor): Tensor {
  if (t.rank < 2) throw new ShapeError(`transpose: needs rank ≥ 2, got ${fmtShape(t.shape)}`);
  const rows = t.shape[t.rank - 2]!;
  const cols = t.shape[t.rank - 1]!;
  const batch = rows * cols === 0 ? 0 : t.size / (rows * cols);
  const shape = [...t.shape.slice(0, -2), cols, rows];
  return Tensor.from(transposeLast2(t.data, batch, rows, cols), shape);
}

/**
 * The k largest entries along the last axis, descending (ties → lower index first).
 * values: [..., k]; indices: the same layout, as an Int32Array.
 */
export function topK(t: Tensor, k: number): { values: Tensor; indices: Int32Array } {
  if (t.rank === 0) throw new ShapeError("topK: needs rank ≥ 1, got a scalar");
  const cols = t.shape[t.rank - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > cols) throw new ShapeError(`topK: k = ${k} is out of range for shape ${fmtShape(t.shape)}`);
  const rows = cols === 0 ? 0 : t.size / cols;
  const values = new Float32Array(rows * k);
  const indices = new Int32Array(rows * k);
  const d = t.data;
  for (let r = 0; r < rows; r++) {
    const res = topKKernel(d.subarray(r * cols, (r + 1) * cols), k);
    values.set(res.values, r * k);
    indices.set(res.indices, r * k);
  }
  return { values: Tensor.from(values, [...t.shape.slice(0, -1), k]), indices };
}
