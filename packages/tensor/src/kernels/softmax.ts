import { ShapeError } from "../errors.js";
import { needDims, needLength, outArray } from "./check.js";
import { useWasm } from "../wasm/instance.js";
import { wasmLogSoftmax, wasmSoftmax, wasmSoftmaxBackward } from "../wasm/exp.js";

/**
 * Row softmax over x: [rows, cols], max-subtracted (stable for any finite input).
 *
 * Causal mask: row r sees columns j ≤ hi = offset + (r % period); with a `window`, only the last
 * `window` of those (j > hi − window: Mistral's sliding window, the query's own key counted). The
 * rest get probability exactly 0. For attention scores [nHeads·seq, kvLen]: period = seq (query
 * rows per head), offset = number of cached keys before the first query (kvLen − seq). Column 0
 * (or with a window, column hi) is always visible when offset ≥ 0 and hi < cols; a row with no
 * visible column is all 0. out may equal x (in place). Reference: softmax.reference.ts.
 */
export interface CausalMask {
  offset: number;
  period: number;
  /** Keys a query sees counting its own (sliding window); absent = all up to the diagonal. */
  window?: number;
}

function checkCausal(causal: CausalMask | undefined): void {
  if (causal === undefined) return;
  if (!Number.isInteger(causal.offset) || causal.offset < 0 || !Number.isInteger(causal.period) || causal.period < 1) {
    throw new ShapeError(
      `softmax: causal mask needs an integer offset ≥ 0 and period ≥ 1, got offset ${causal.offset}, period ${causal.period}`,
    );
  }
  const w = causal.window;
  if (w !== undefined && (!Number.isInteger(w) || w < 1)) throw new ShapeError(`softmax: causal window must be an integer ≥ 1, got ${w}`);
}

/** The visible columns [lo, hi) of row r (see CausalMask). */
export function visibleColumns(r: number, cols: number, causal?: CausalMask): [number, number] {
  if (causal === undefined) return [0, cols];
  const end = causal.offset + (r % causal.period) + 1;
  const hi = Math.min(cols, end);
  const lo = causal.window === undefined ? 0 : Math.min(hi, Math.max(0, end - causal.window));
  return [lo, hi];
}

export function softmax(x: Float32Array, rows: number, cols: number, out?: Float32Array, causal?: CausalMask): Float32Array {
  needDims("softmax", { rows, cols });
  needLength("softmax", "x", x, rows * cols);
  checkCausal(causal);
  const o = outArray("softmax", out, rows * cols);
  if (useWasm(rows * cols, 64)) return wasmSoftmax(x, rows, cols, o, causal);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const [lo, hi] = visibleColumns(r, cols, causal);
    let max = -Infinity;
    for (let j = lo; j < hi; j++) {
      const v = x[base + j]!;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let j = lo; j < hi; j++) {
      const e = Math.exp(x[base + j]! - max);
      o[base + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = lo; j < hi; j++) o[base + j] = o[base + j]! * inv;
    for (let j = 0; j < lo; j++) o[base + j] = 0;
    for (let j = hi; j < cols; j++) o[base + j] = 0;
  }
  return o;
}

/** log softmax per row: x − max − log Σ exp(x − max). */
export function logSoftmax(x: Float32Array, rows: number, cols: number, out?: Float32Array): Float32Array {
  needDims("logSoftmax", { rows, cols });
  needLength("logSoftmax", "x", x, rows * cols);
  const o = outArray("logSoftmax", out, rows * cols);
  if (useWasm(rows * cols, 64)) return wasmLogSoftmax(x, rows, cols, o);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) {
      const v = x[base + j]!;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[base + j]! - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < cols; j++) o[base + j] = x[base + j]! - lse;
  }
  return o;
}

/** Backward of softmax given its output y: dx += y·(dy − Σ_j dy_j·y_j) per row (accumulates). */
export function softmaxBackward(y: Float32Array, dy: Float32Array, rows: number, cols: number, dx: Float32Array): Float32Array {
  needDims("softmaxBackward", { rows, cols });
  needLength("softmaxBackward", "y", y, rows * cols);
  needLength("softmaxBackward", "dy", dy, rows * cols);
  needLength("softmaxBackward", "dx", dx, rows * cols);
  if (useWasm(rows * cols, 64)) return wasmSoftmaxBackward(y, dy, rows, cols, dx);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dy[base + j]! * y[base + j]!;
    for (let j = 0; j < cols; j++) dx[base + j] += y[base + j]! * (dy[base + j]! - dot);
  }
  return dx;
}
