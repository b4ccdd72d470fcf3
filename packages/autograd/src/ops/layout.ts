import { Tensor, ShapeError, kernels } from "@mini/tensor";
import { axisSplit } from "../accumulate.js";
import { gradOf, record, recordView } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt, resolveAxis } from "../shape-check.js";

/**
 * Shape and layout ops: reshape (a view), transpose (swap two axes), slice, concat (copies).
 * Their backwards move dy back to where each element came from and add it there.
 */

/** The same elements with another shape (a view of the value; one dim may be −1). */
export function reshape(x: Variable, shape: readonly number[]): Variable {
  return recordView("reshape", x.value.reshape(shape), x);
}

/**
 * Swaps axes a0 < a1 of x viewed as [A, n0, B, n1, C] into [A, n1, B, n0, C]; with accumulate,
 * dst += instead of dst =. (Swapping the same two axes again is the inverse, so this is also
 * the backward.)
 */
function swapAxes(src: Float32Array, A: number, n0: number, B: number, n1: number, C: number, dst: Float32Array, accumulate: boolean): void {
  for (let a = 0; a < A; a++) {
    for (let p = 0; p < n0; p++) {
      for (let b = 0; b < B; b++) {
        for (let q = 0; q < n1; q++) {
          const s = (((a * n0 + p) * B + b) * n1 + q) * C;
          const d = (((a * n1 + q) * B + b) * n0 + p) * C;
          if (accumulate) for (let c = 0; c < C; c++) dst[d + c] += src[s + c]!;
          else for (let c = 0; c < C; c++) dst[d + c] = src[s + c]!;
        }
      }
    }
  }
}

/**
 * Swaps two axes (default: the last two, [..., R, C] → [..., C, R]). Any pair works, e.g.
 * transpose(x, 1, 2) turns [batch, T, heads, headDim] into [batch, heads, T, headDim].
 */
export function transpose(x: Variable, axis0 = -2, axis1 = -1): Variable {
  const shape = x.shape;
  if (shape.length < 2) throw new ShapeError(`transpose: needs rank ≥ 2, got shape ${fmt(shape)}`);
  let i = resolveAxis("transpose", axis0, shape);
  let j = resolveAxis("transpose", axis1, shape);
  if (i === j) return reshape(x, shape);
  if (i > j) [i, j] = [j, i];
  const outShape = [...shape];
  outShape[i] = shape[j]!;
  outShape[j] = shape[i]!;
  let A = 1;
  for (let k = 0; k < i; k++) A *= shape[k]!;
  let B = 1;
  for (let k = i + 1; k < j; k++) B *= shape[k]!;
  let C = 1;
  for (let k = j + 1; k < shape.length; k++) C *= shape[k]!;
  const n0 = shape[i]!;
  const n1 = shape[j]!;
  // With at most one of n0, B, n1 above 1 the swap moves no element ([T, 1, hd] ↔ [1, T, hd], the
  // single-head case of attention): the result is a view, like reshape (see recordView).
  if ((n0 > 1 ? 1 : 0) + (B > 1 ? 1 : 0) + (n1 > 1 ? 1 : 0) <= 1) {
    return recordView("transpose", x.value.reshape(outShape), x);
  }
  const lastTwo = B === 1 && C === 1;

  const out = lastTwo ? kernels.transposeLast2(x.data, A, n0, n1) : new Float32Array(x.size);
  if (!lastTwo) swapAxes(x.data, A, n0, B, n1, C, out, false);
  return record("transpose", Tensor.from(out, outShape), [x], (dy) => {
    if (lastTwo) kernels.axpy(1, kernels.transposeLast2(dy, A, n1, n0), gradOf(x));
    else swapAxes(dy, A, n1, B, n0, C, gradOf(x), true);
  });
}

/** Elements start ≤ i < end along `axis` (negative indices count from the end). */
export function slice(x: Variable, axis: number, start: number, end?: number): Variable {
  const ax = resolveAxis("slice", axis, x.shape);
  const y = kernels.slice(x.value, ax, start, end);
  const dim = x.shape[ax]!;
  const s = start < 0 ? start + dim : start;
  const { outer, inner } = axisSplit(x.shape, ax);
  const run = y.shape[ax]! * inner;
  return record("slice", y, [x], (dy) => {
    for (let o = 0; o < outer; o++) {
      const dst = (o * dim + s) * inner;
      // gradOf per call: x may be a pinned parameter, and a WASM axpy may grow the heap.
      kernels.axpy(1, dy.subarray(o * run, (o + 1) * run), gradOf(x).subarray(dst, dst + run));
    }
  });
}

/** Joins variables along `axis`; every other dim must match. */
export function concat(xs: readonly Variable[], axis: number): Variable {
  if (xs.length === 0) throw new ShapeError("concat: no variables given");
  const ax = resolveAxis("concat", axis, xs[0]!.shape);
  const y = kernels.concat(
    xs.map((v) => v.value),
    ax,
  );
  const { outer, inner } = axisSplit(xs[0]!.shape, ax);
  const rowOut = y.shape[ax]! * inner;
  const parts = [...xs];
  return record("concat", y, parts, (dy) => {
    let offset = 0;
    for (const v of parts) {
      const run = v.shape[ax]! * inner;
      if (v.requiresGrad) {
        for (let o = 0; o < outer; o++) {
          const src = o * rowOut + offset;
          kernels.axpy(1, dy.subarray(src, src + run), gradOf(v).subarray(o * run, (o + 1) * run));
        }
      }
      offset += run;
    }
  });
}
