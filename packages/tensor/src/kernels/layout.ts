import { ShapeError, fmtShape } from "../errors.js";
import { normAxis, numel } from "../shape.js";
import { Tensor } from "../tensor.js";
import { needDims, needLength, outArray } from "./check.js";

/**
 * Layout changes. Tensors are always contiguous, so each of these is an explicit copy.
 */

/** [batch, rows, cols] → [batch, cols, rows]. Blocked in 32×32 tiles so both sides stay in cache. */
export function transposeLast2(x: Float32Array, batch: number, rows: number, cols: number, out?: Float32Array): Float32Array {
  needDims("transposeLast2", { batch, rows, cols });
  const n = batch * rows * cols;
  needLength("transposeLast2", "x", x, n);
  const o = outArray("transposeLast2", out, n);
  if (o === x && n > 1 && rows !== 1 && cols !== 1) throw new ShapeError("transposeLast2: out must not be x (not an in-place op)");
  const T = 32;
  for (let b = 0; b < batch; b++) {
    const base = b * rows * cols;
    for (let r0 = 0; r0 < rows; r0 += T) {
      const r1 = Math.min(rows, r0 + T);
      for (let c0 = 0; c0 < cols; c0 += T) {
        const c1 = Math.min(cols, c0 + T);
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) o[base + c * rows + r] = x[base + r * cols + c]!;
        }
      }
    }
  }
  return o;
}

/** Joins tensors along `axis`; every other dim must match. Returns a new JS-heap tensor. */
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  if (tensors.length === 0) throw new ShapeError("concat: no tensors given");
  const first = tensors[0]!.shape;
  const ax = normAxis("concat", axis, first.length);
  if (first.length === 0) throw new ShapeError("concat: cannot concatenate scalars (shape [])");
  let total = 0;
  for (const t of tensors) {
    const s = t.shape;
    if (s.length !== first.length || s.some((d, i) => i !== ax && d !== first[i])) {
      throw new ShapeError(`concat: shapes ${fmtShape(first)} and ${fmtShape(s)} differ outside axis ${axis}`);
    }
    total += s[ax]!;
  }
  const shape = [...first];
  shape[ax] = total;
  const out = new Float32Array(numel(shape));
  const outer = numel(first.slice(0, ax));
  const inner = numel(first.slice(ax + 1));
  const rowOut = total * inner;
  let offset = 0; // position along the axis, times inner
  for (const t of tensors) {
    const d = t.data;
    const run = t.shape[ax]! * inner;
    for (let o = 0; o < outer; o++) out.set(d.subarray(o * run, (o + 1) * run), o * rowOut + offset);
    offset += run;
  }
  return Tensor.from(out, shape);
}

/** Elements start ≤ i < end along `axis` (a copy; end defaults to the axis length). Negative start/end count from the end, like Python. */
export function slice(t: Tensor, axis: number, start: number, end?: number): Tensor {
  const ax = normAxis("slice", axis, t.rank);
  if (t.rank === 0) throw new ShapeError("slice: cannot slice a scalar (shape [])");
  const dim = t.shape[ax]!;
  end ??= dim;
  const s = start < 0 ? start + dim : start;
  const e = end < 0 ? end + dim : end;
  if (!Number.isInteger(s) || !Number.isInteger(e) || s < 0 || e > dim || s > e) {
    throw new ShapeError(`slice: range [${start}, ${end}) is out of bounds for axis ${axis} of shape ${fmtShape(t.shape)}`);
  }
  const shape = [...t.shape];
  shape[ax] = e - s;
  const outer = numel(t.shape.slice(0, ax));
  const inner = numel(t.shape.slice(ax + 1));
  const out = new Float32Array(numel(shape));
  const d = t.data;
  const run = (e - s) * inner;
  for (let o = 0; o < outer; o++) {
    const src = (o * dim + s) * inner;
    out.set(d.subarray(src, src + run), o * run);
  }
  return Tensor.from(out, shape);
}
