/**
 * The attention softmax under Mistral's sliding window, for the runs of queries the window cuts
 * into (the tensor kernel's softmax has the causal mask but no window).
 */
import { fastExp } from "./fast-exp.js";

/**
 * Softmax of each row of scores [rows, L] over the keys its query may see, in place; the others
 * get exactly 0. Row r is query t0 + (r mod period), whose own key has local index
 * offset + r mod period: it sees keys ≤ that (causal) and, with a window, > that − window.
 * (The tensor kernel's softmax has the causal mask but no window; this is used when the window
 * cuts into a run of queries.)
 */
export function windowedSoftmax(scores: Float32Array, rows: number, L: number, period: number, offset: number, window: number): void {
  for (let r = 0; r < rows; r++) {
    const base = r * L;
    const hi = offset + (r % period); // last visible key
    const lo = hi - window + 1 > 0 ? hi - window + 1 : 0; // first visible key
    let max = -Infinity;
    for (let j = lo; j <= hi; j++) if (scores[base + j]! > max) max = scores[base + j]!;
    let sum = 0;
    for (let j = lo; j <= hi; j++) {
      const e = fastExp(scores[base + j]! - max);
      scores[base + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = lo; j <= hi; j++) scores[base + j]! *= inv;
    for (let j = 0; j < lo; j++) scores[base + j] = 0;
    for (let j = hi + 1; j < L; j++) scores[base + j] = 0;
  }
}
