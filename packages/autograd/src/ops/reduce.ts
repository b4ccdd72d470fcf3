import { Tensor, ShapeError, kernels } from "@mini/tensor";
import { addRepeatedAxis, axisSplit } from "../accumulate.js";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt, resolveAxis } from "../shape-check.js";

/**
 * sum, mean (over everything or one axis, with keepdim) and max over one axis.
 * Backward of sum/mean repeats dy along the reduced axis (times 1/n for mean); backward of max
 * routes dy to the arg-max element (the first one on ties, like PyTorch's max with indices).
 */

export interface ReduceOptions {
  /** Keep the reduced axis with size 1 (default false). */
  keepdim?: boolean;
}

function reducedShape(shape: readonly number[], axis: number, keepdim: boolean): number[] {
  const s = [...shape];
  if (keepdim) s[axis] = 1;
  else s.splice(axis, 1);
  return s;
}

function sumOrMean(op: "sum" | "mean", x: Variable, axis: number | undefined, opts: ReduceOptions): Variable {
  const keepdim = opts.keepdim === true;
  if (axis === undefined) {
    const n = x.size;
    if (op === "mean" && n === 0) throw new ShapeError(`mean: cannot average an empty tensor of shape ${fmt(x.shape)}`);
    const scaleBy = op === "mean" ? 1 / n : 1;
    const total = kernels.sumAll(x.data) * scaleBy;
    const shape = keepdim ? x.shape.map(() => 1) : [];
    const y = Tensor.from(new Float32Array([total]), shape);
    return record(op, y, [x], (dy) => {
      const dx = gradOf(x);
      kernels.addScalar(dx, dy[0]! * scaleBy, dx); // dx += g everywhere (in place)
    });
  }
  const ax = resolveAxis(op, axis, x.shape);
  const { outer, n, inner } = axisSplit(x.shape, ax);
  if (op === "mean" && n === 0) throw new ShapeError(`mean: axis ${axis} of shape ${fmt(x.shape)} is empty`);
  const out = op === "sum" ? kernels.sumAxis(x.data, x.shape, ax) : kernels.meanAxis(x.data, x.shape, ax);
  const y = Tensor.from(out, reducedShape(x.shape, ax, keepdim));
  const scaleBy = op === "mean" ? 1 / n : 1;
  return record(op, y, [x], (dy) => addRepeatedAxis(dy, outer, n, inner, gradOf(x), scaleBy));
}

/** Σ of all elements (shape [], or all-1s with keepdim), or over `axis`. */
export function sum(x: Variable, axis?: number, opts: ReduceOptions = {}): Variable {
  return sumOrMean("sum", x, axis, opts);
}

/** Mean of all elements, or over `axis`. */
export function mean(x: Variable, axis?: number, opts: ReduceOptions = {}): Variable {
  return sumOrMean("mean", x, axis, opts);
}

/** Max over `axis` (values only). */
export function max(x: Variable, axis: number, opts: ReduceOptions = {}): Variable {
  const ax = resolveAxis("max", axis, x.shape);
  const { outer, n, inner } = axisSplit(x.shape, ax);
  if (n === 0) throw new ShapeError(`max: axis ${axis} of shape ${fmt(x.shape)} is empty`);
  const xd = x.data;
  const arg = kernels.argmaxAxis(xd, x.shape, ax); // [outer·inner], index along the axis
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out[o * inner + i] = xd[(o * n + arg[o * inner + i]!) * inner + i]!;
  }
  const y = Tensor.from(out, reducedShape(x.shape, ax, opts.keepdim === true));
  return record("max", y, [x], (dy) => {
    const dx = gradOf(x);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) dx[(o * n + arg[o * inner + i]!) * inner + i] += dy[o * inner + i]!;
    }
  });
}
