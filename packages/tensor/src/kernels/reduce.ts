import { ShapeError, fmtShape } from "../errors.js";
import { normAxis, numel } from "../shape.js";
import { outArray } from "./check.js";

/**
 * Reductions over one axis. x (shape `shape`) is viewed as [outer, n, inner] where n = shape[axis];
 * the result is [outer, inner] (the axis removed; keepdim is a Tensor-op concern). Sums accumulate
 * in float64. axis may be negative.
 */

interface AxisView {
  outer: number;
  n: number;
  inner: number;
}

function axisView(op: string, x: Float32Array, shape: readonly number[], axis: number): AxisView {
  if (numel(shape) !== x.length) {
    throw new ShapeError(`${op}: data has ${x.length} elements but shape ${fmtShape(shape)} needs ${numel(shape)}`);
  }
  const ax = normAxis(op, axis, shape.length);
  if (shape.length === 0) return { outer: 1, n: 1, inner: 1 }; // a scalar reduces to itself
  let outer = 1;
  for (let i = 0; i < ax; i++) outer *= shape[i]!;
  let inner = 1;
  for (let i = ax + 1; i < shape.length; i++) inner *= shape[i]!;
  return { outer, n: shape[ax]!, inner };
}

/** Σ over `axis`. */
export function sumAxis(x: Float32Array, shape: readonly number[], axis: number, out?: Float32Array): Float32Array {
  const { outer, n, inner } = axisView("sumAxis", x, shape, axis);
  const o = outArray("sumAxis", out, outer * inner);
  if (inner === 1) {
    for (let r = 0; r < outer; r++) {
      let s = 0;
      const base = r * n;
      for (let k = 0; k < n; k++) s += x[base + k]!;
      o[r] = s;
    }
    return o;
  }
  const acc = new Float64Array(inner);
  for (let r = 0; r < outer; r++) {
    acc.fill(0);
    for (let k = 0; k < n; k++) {
      const base = (r * n + k) * inner;
      for (let i = 0; i < inner; i++) acc[i] += x[base + i]!;
    }
    for (let i = 0; i < inner; i++) o[r * inner + i] = acc[i]!;
  }
  return o;
}

/** Mean over `axis` (NaN for an empty axis, like NumPy). */
export function meanAxis(x: Float32Array, shape: readonly number[], axis: number, out?: Float32Array): Float32Array {
  const { n } = axisView("meanAxis", x, shape, axis);
  const o = sumAxis(x, shape, axis, out);
  const m = o.length;
  for (let i = 0; i < m; i++) o[i] = o[i]! / n;
  return o;
}

/** Max over `axis`; NaN propagates; an empty axis is an error. */
export function maxAxis(x: Float32Array, shape: readonly number[], axis: number, out?: Float32Array): Float32Array {
  const { outer, n, inner } = axisView("maxAxis", x, shape, axis);
  if (n === 0) throw new ShapeError(`maxAxis: axis ${axis} of shape ${fmtShape(shape)} is empty`);
  const o = outArray("maxAxis", out, outer * inner);
  for (let r = 0; r < outer; r++) {
    for (let i = 0; i < inner; i++) {
      let m = x[r * n * inner + i]!;
      for (let k = 1; k < n && m === m; k++) {
        const v = x[(r * n + k) * inner + i]!;
        if (v > m || v !== v) m = v;
      }
      o[r * inner + i] = m;
    }
  }
  return o;
}

/** Index of the max over `axis` (first one on ties; a NaN counts as the max, like PyTorch). */
export function argmaxAxis(x: Float32Array, shape: readonly number[], axis: number): Int32Array {
  const { outer, n, inner } = axisView("argmaxAxis", x, shape, axis);
  if (n === 0) throw new ShapeError(`argmaxAxis: axis ${axis} of shape ${fmtShape(shape)} is empty`);
  const o = new Int32Array(outer * inner);
  for (let r = 0; r < outer; r++) {
    for (let i = 0; i < inner; i++) {
      let best = 0;
      let m = x[r * n * inner + i]!;
      for (let k = 1; k < n && m === m; k++) {
        const v = x[(r * n + k) * inner + i]!;
        if (v > m || v !== v) {
          m = v;
          best = k;
        }
      }
      o[r * inner + i] = best;
    }
  }
  return o;
}

/** Σ of every element, in float64. */
export function sumAll(x: Float32Array): number {
  let s = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) s += x[i]!;
  return s;
}
