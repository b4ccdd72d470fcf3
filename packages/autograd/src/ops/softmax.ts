import { Tensor, ShapeError, kernels } from "@mini/tensor";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt, needRank } from "../shape-check.js";

/**
 * softmax and logSoftmax over the last axis.
 *
 * Causal attention: scores [batch·heads, T, S] (or [batch, heads, T, S]) are rows of S keys; query
 * row t of every T-row block sees keys j ≤ offset + t (the kernel's `causal: {offset, period}` with
 * period = T). offset is the number of keys before the first query: S − T by default, which is 0
 * in training (S = T) and the cache length when appending to a KV cache. Masked keys get
 * probability exactly 0, so their gradient is exactly 0 too (softmaxBackward multiplies by y).
 */

export interface CausalOptions {
  /** Keys before the first query (default: S − T, the last axis minus the second-to-last). */
  offset?: number;
  /** Query rows per block (default: T, the second-to-last axis). */
  period?: number;
}

export interface SoftmaxOptions {
  /** true, or explicit {offset, period}: mask future keys (see the file comment). */
  causal?: boolean | CausalOptions;
}

function rowsCols(op: string, shape: readonly number[]): { rows: number; cols: number } {
  needRank(op, "x", shape, 1);
  const cols = shape[shape.length - 1]!;
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i]!;
  return { rows, cols };
}

function causalMask(shape: readonly number[], causal: boolean | CausalOptions | undefined): { offset: number; period: number } | undefined {
  if (causal === undefined || causal === false) return undefined;
  const c = causal === true ? {} : causal;
  if (shape.length < 2 && c.period === undefined) {
    throw new ShapeError(`softmax: a causal mask needs scores [..., T, S], got shape ${fmt(shape)}`);
  }
  const S = shape[shape.length - 1]!;
  const T = shape.length >= 2 ? shape[shape.length - 2]! : 1;
  const period = c.period ?? T;
  const offset = c.offset ?? S - T;
  if (offset < 0) throw new ShapeError(`softmax: causal mask with more queries (${T}) than keys (${S}) in shape ${fmt(shape)}; pass an explicit offset`);
  return { offset, period };
}

/** softmax over the last axis, optionally causal. */
export function softmax(x: Variable, opts: SoftmaxOptions = {}): Variable {
  const { rows, cols } = rowsCols("softmax", x.shape);
  const mask = causalMask(x.shape, opts.causal);
  const y = Tensor.from(kernels.softmax(x.data, rows, cols, undefined, mask), x.shape);
  return record("softmax", y, [x], (dy) => {
    kernels.softmaxBackward(y.data, dy, rows, cols, gradOf(x));
  });
}

/** log softmax over the last axis;  dx += dy − softmax(x)·Σ dy  per row. */
export function logSoftmax(x: Variable): Variable {
  const { rows, cols } = rowsCols("logSoftmax", x.shape);
  const y = Tensor.from(kernels.logSoftmax(x.data, rows, cols), x.shape);
  return record("logSoftmax", y, [x], (dy) => {
    const dx = gradOf(x);
    const yv = y.data;
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      let s = 0;
      for (let j = 0; j < cols; j++) s += dy[base + j]!;
      for (let j = 0; j < cols; j++) dx[base + j] += dy[base + j]! - Math.exp(yv[base + j]!) * s;
    }
  });
}
