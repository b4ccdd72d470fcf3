import { Tensor, ShapeError, kernels } from "@mini/tensor";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt, sameShape } from "../shape-check.js";

/**
 * Additive attention masks (padding) for scores before softmax.
 *
 * Attention with padded batches: scores [batch, heads, T, S]; a key-padding mask [batch, 1, 1, S]
 * holds 0 for real keys and −Infinity for padding, broadcast over heads and queries. Combine it
 * with the causal softmax (`softmax(scores, { causal: true })`), which masks future keys itself.
 *
 * −Infinity (and anything below −1e30) is added as −1e30: exp(−1e30 − max) is exactly 0 in
 * float32, so a row with at least one real key gets exactly the masked softmax, while a row with
 * none (a left-padded query under a causal mask) gets a uniform distribution instead of
 * NaN = 0/0 (HF does the same with finfo.min). Right padding never produces such rows.
 * The mask is a constant: backward passes dy through to the scores unchanged.
 */

const MASKED = -1e30;

/** scores + mask, where mask (a constant Tensor) broadcasts to the shape of scores. */
export function addMask(scores: Variable, mask: Tensor): Variable {
  const md = mask.data;
  const clamped = new Float32Array(md.length);
  for (let i = 0; i < md.length; i++) {
    const v = md[i]!;
    if (Number.isNaN(v)) throw new RangeError(`addMask: mask[${i}] is NaN (expected 0 or −Infinity style additive values)`);
    clamped[i] = v < MASKED ? MASKED : v;
  }
  const r = kernels.broadcastBinary("add", scores.data, scores.shape, clamped, mask.shape);
  if (!sameShape(r.shape, scores.shape)) {
    throw new ShapeError(`addMask: mask ${fmt(mask.shape)} must broadcast to scores ${fmt(scores.shape)}, not widen it to ${fmt(r.shape)}`);
  }
  return record("addMask", Tensor.from(r.data, scores.shape), [scores], (dy) => {
    kernels.axpy(1, dy, gradOf(scores));
  });
}

/**
 * Key-padding mask [batch, 1, 1, keyLen] for right-padded sequences: 0 where key j < lengths[b]
 * (a real token), −Infinity after (padding). Broadcasts over scores [batch, heads, T, keyLen].
 */
export function keyPaddingMask(lengths: ArrayLike<number>, keyLen: number): Tensor {
  if (!Number.isInteger(keyLen) || keyLen < 0) throw new RangeError(`keyPaddingMask: keyLen must be an integer ≥ 0, got ${keyLen}`);
  const batch = lengths.length;
  const out = new Float32Array(batch * keyLen);
  for (let b = 0; b < batch; b++) {
    const len = lengths[b]!;
    if (!Number.isInteger(len) || len < 0 || len > keyLen) {
      throw new RangeError(`keyPaddingMask: lengths[${b}] = ${len} must be an integer in [0, ${keyLen}]`);
    }
    out.fill(-Infinity, b * keyLen + len, (b + 1) * keyLen);
  }
  return Tensor.from(out, [batch, 1, 1, keyLen]);
}
