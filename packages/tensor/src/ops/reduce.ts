import { normAxis } from "../shape.js";
import { Tensor } from "../tensor.js";
import * as r from "../kernels/reduce.js";

/**
 * Reductions over one axis (negative axes count from the end), or over everything when axis is
 * omitted (a scalar tensor, shape []). keepdim keeps the reduced axis as size 1.
 */

function reducedShape(op: string, t: Tensor, axis: number, keepdim: boolean): number[] {
  const ax = normAxis(op, axis, t.rank);
  if (t.rank === 0) return [];
  return keepdim ? t.shape.map((d, i) => (i === ax ? 1 : d)) : t.shape.filter((_, i) => i !== ax);
}

function reduceWith(
  op: string,
  kernel: (x: Float32Array, shape: readonly number[], axis: number) => Float32Array,
  t: Tensor,
  axis: number | undefined,
  keepdim: boolean,
): Tensor {
  if (axis === undefined) {
    const all = kernel(t.data, [t.size], 0);
    return Tensor.from(all, keepdim ? t.shape.map(() => 1) : []);
  }
  const shape = reducedShape(op, t, axis, keepdim);
  return Tensor.from(kernel(t.data, t.shape, axis), shape);
}

/** Σ over `axis` (or everything). */
export const sum = (t: Tensor, axis?: number, keepdim = false): Tensor => reduceWith("sum", r.sumAxis, t, axis, keepdim);
/** Mean over `axis` (or everything). */
export const mean = (t: Tensor, axis?: number, keepdim = false): Tensor => reduceWith("mean", r.meanAxis, t, axis, keepdim);
/** Max over `axis` (or everything). */
export const max = (t: Tensor, axis?: number, keepdim = false): Tensor => reduceWith("max", r.maxAxis, t, axis, keepdim);

/**
 * Index of the max over `axis` (or over the flattened tensor), first one on ties. Indices are
 * stored as float32 values (exact below 2^24), so the result is an ordinary Tensor.
 */
export function argmax(t: Tensor, axis?: number, keepdim = false): Tensor {
  return reduceWith("argmax", (x, shape, ax) => Float32Array.from(r.argmaxAxis(x, shape, ax)), t, axis, keepdim);
}
