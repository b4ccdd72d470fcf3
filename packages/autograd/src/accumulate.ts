import { kernels } from "@mini/tensor";
import { gradOf } from "./tape.js";
import type { Variable } from "./variable.js";

/**
 * Small accumulate helpers for backward closures. Where @mini/tensor has a kernel (axpy,
 * reduceToShape, the `...Backward` kernels) the ops use it; these cover the few fused
 * "dx += a·b" style loops that have no kernel, so a closure does one pass and no temporary.
 */

/** dx += a·b (elementwise, same length). */
export function addMulInto(dx: Float32Array, a: Float32Array, b: Float32Array): void {
  const n = dx.length;
  for (let i = 0; i < n; i++) dx[i] += a[i]! * b[i]!;
}

/** dx += a / b (elementwise, same length). */
export function addDivInto(dx: Float32Array, a: Float32Array, b: Float32Array): void {
  const n = dx.length;
  for (let i = 0; i < n; i++) dx[i] += a[i]! / b[i]!;
}

/**
 * v.grad += alpha · g summed back to v's shape, where g is the gradient of a broadcast result of
 * shape outShape (the adjoint of broadcasting: summing over the axes v was repeated along).
 */
export function accumulateBroadcast(v: Variable, g: Float32Array, outShape: readonly number[], alpha = 1): void {
  const dv = gradOf(v);
  // Equal sizes of broadcast-compatible shapes mean equal shapes up to leading 1s: same layout.
  if (dv.length === g.length) kernels.axpy(alpha, g, dv);
  else kernels.axpy(alpha, kernels.reduceToShape(g, outShape, v.shape), dv);
}

/**
 * dx [outer, n, inner] += scale · dy [outer, inner] repeated along the middle axis
 * (the backward of a sum or mean over one axis).
 */
export function addRepeatedAxis(dy: Float32Array, outer: number, n: number, inner: number, dx: Float32Array, scale: number): void {
  for (let o = 0; o < outer; o++) {
    const src = o * inner;
    for (let k = 0; k < n; k++) {
      const dst = (o * n + k) * inner;
      for (let i = 0; i < inner; i++) dx[dst + i] += scale * dy[src + i]!;
    }
  }
}

/** Sizes of the [outer, n, inner] view of `shape` around `axis` (axis already normalised). */
export function axisSplit(shape: readonly number[], axis: number): { outer: number; n: number; inner: number } {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, n: shape.length === 0 ? 1 : shape[axis]!, inner };
}
