import type { CausalMask } from "./softmax.js";

/**
 * Readable reference loops for softmax.ts (same signatures). With a causal mask row r sees
 * columns j ≤ hi = offset + (r % period), and with a window only j > hi − window; masked entries
 * are exactly 0.
 */

function visible(r: number, j: number, causal?: CausalMask): boolean {
  if (causal === undefined) return true;
  const hi = causal.offset + (r % causal.period);
  return j <= hi && (causal.window === undefined || j > hi - causal.window);
}

export function softmaxReference(
  x: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array = new Float32Array(rows * cols),
  causal?: CausalMask,
): Float32Array {
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (visible(r, j, causal)) max = Math.max(max, x[r * cols + j]!);
    let sum = 0;
    for (let j = 0; j < cols; j++) if (visible(r, j, causal)) sum += Math.exp(x[r * cols + j]! - max);
    for (let j = 0; j < cols; j++) out[r * cols + j] = visible(r, j, causal) ? Math.exp(x[r * cols + j]! - max) / sum : 0;
  }
  return out;
}

export function logSoftmaxReference(x: Float32Array, rows: number, cols: number, out: Float32Array = new Float32Array(rows * cols)): Float32Array {
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, x[r * cols + j]!);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(x[r * cols + j]! - max);
    const lse = max + Math.log(sum);
    for (let j = 0; j < cols; j++) out[r * cols + j] = x[r * cols + j]! - lse;
  }
  return out;
}

/** dx += y·(dy − Σ_j dy_j·y_j), per row. */
export function softmaxBackwardReference(y: Float32Array, dy: Float32Array, rows: number, cols: number, dx: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += dy[r * cols + j]! * y[r * cols + j]!;
    for (let j = 0; j < cols; j++) dx[r * cols + j] += y[r * cols + j]! * (dy[r * cols + j]! - dot);
  }
  return dx;
}
