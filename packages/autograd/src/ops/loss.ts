import { Tensor, ShapeError, kernels } from "@mini/tensor";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt } from "../shape-check.js";

/**
 * Fused softmax cross-entropy (the language-model loss).
 *
 * logits [..., V] are `rows` rows of V scores; targets holds one class id per row. A row whose
 * target equals ignoreIndex (default −100, PyTorch's) is not counted (padding, prompt tokens).
 *   loss = (1/count) Σ_counted −log softmax(logits_r)[t_r]
 * computed as lse_r − logits_r[t_r] from a log-softmax (no log of an underflowed probability).
 * Backward: dlogits_r += dy·(softmax(logits_r) − onehot(t_r))/count for counted rows, 0 otherwise.
 * If no row is counted the loss is 0 and every gradient is 0 (not NaN = 0/0): a batch made only
 * of padding contributes nothing.
 */

export interface CrossEntropyOptions {
  /** Target value meaning "skip this row" (default −100). */
  ignoreIndex?: number;
}

export function crossEntropy(logits: Variable, targets: ArrayLike<number>, opts: CrossEntropyOptions = {}): Variable {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (logits.rank < 1) throw new ShapeError(`crossEntropy: logits must be [..., vocab], got ${fmt(logits.shape)}`);
  const V = logits.shape[logits.rank - 1]!;
  const rows = V === 0 ? 0 : logits.size / V;
  if (targets.length !== rows) {
    throw new ShapeError(`crossEntropy: ${targets.length} targets for logits ${fmt(logits.shape)} (${rows} rows of ${V})`);
  }
  const tgt = Int32Array.from(targets); // our copy: the caller may reuse its buffer before backward
  let count = 0;
  for (let r = 0; r < rows; r++) {
    const t = tgt[r]!;
    if (t === ignoreIndex) continue;
    if (!Number.isInteger(targets[r]) || t < 0 || t >= V) {
      throw new RangeError(`crossEntropy: targets[${r}] = ${targets[r]} is not a class in [0, ${V}) nor ignoreIndex ${ignoreIndex}`);
    }
    count++;
  }
  const logp = kernels.logSoftmax(logits.data, rows, V); // [rows, V]
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const t = tgt[r]!;
    if (t !== ignoreIndex) total -= logp[r * V + t]!;
  }
  const loss = Tensor.from(new Float32Array([count === 0 ? 0 : total / count]), []);
  return record("crossEntropy", loss, [logits], (dy) => {
    if (count === 0) return;
    const g = dy[0]! / count;
    // softmax(logits) by the softmax kernel (SIMD exp) into the log-probabilities' buffer, which is
    // not needed any more: one exp per logit in a JS loop would cost as much as the output layer.
    const probs = kernels.softmax(logits.data, rows, V, logp);
    for (let r = 0; r < rows; r++) if (tgt[r] === ignoreIndex) probs.fill(0, r * V, (r + 1) * V); // not counted: no gradient
    kernels.axpy(g, probs, gradOf(logits)); // dx += g·softmax over every row at once
    const dx = gradOf(logits); // fetched after the (possibly WASM) axpy, in case it grew the heap
    for (let r = 0; r < rows; r++) {
      const t = tgt[r]!;
      if (t !== ignoreIndex) dx[r * V + t] -= g; // − g·onehot
    }
  });
}
