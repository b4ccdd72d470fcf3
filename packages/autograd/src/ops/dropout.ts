import { Tensor, type Rng } from "@mini/tensor";
import { addMulInto } from "../accumulate.js";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";

/**
 * Inverted dropout: in training, each element is zeroed with probability p and the survivors are
 * scaled by 1/(1 − p), so E[y] = x and evaluation needs no rescaling. The keep/drop draws come
 * from the caller's seeded Rng (one uniform per element, in order), so the same seed gives the
 * same mask. Not training, or p = 0: returns x itself (no op recorded). p = 1 drops everything.
 * Backward: dx += dy·mask (the same scaled mask).
 */
export function dropout(x: Variable, p: number, rng: Rng, training: boolean): Variable {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const n = x.size;
  const mask = new Float32Array(n); // 0 or 1/(1 − p)
  if (p < 1) {
    const keep = 1 / (1 - p);
    for (let i = 0; i < n; i++) if (rng.uniform() >= p) mask[i] = keep;
  }
  const xd = x.data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = xd[i]! * mask[i]!;
  return record("dropout", Tensor.from(out, x.shape), [x], (dy) => addMulInto(gradOf(x), dy, mask));
}
