import { RopeTable, type RopeStyle } from "./rope.js";

/**
 * Readable reference for rope.ts (same signature). It takes only the table's inv_freq and
 * recomputes every angle from scratch, with HF Llama's float32 arithmetic:
 *   angle      = pos · inv_freq_i                       (float32)
 *   cos, sin   = cos(angle), sin(angle) rounded to float32, times attentionScaling (float32)
 * "half" rotates the pair (i, i + d/2) (HF rotate_half); "interleaved" rotates (2i, 2i + 1).
 */
export function ropeReference(
  x: Float32Array,
  seq: number,
  nHeads: number,
  headDim: number,
  startPos: number,
  table: RopeTable | number,
  style: RopeStyle,
  out: Float32Array = new Float32Array(seq * nHeads * headDim),
  inverse = false,
): Float32Array {
  const f = Math.fround;
  const t = typeof table === "number" ? new RopeTable(headDim, table) : table;
  const half = headDim / 2;
  for (let s = 0; s < seq; s++) {
    for (let h = 0; h < nHeads; h++) {
      const base = (s * nHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const angle = f((startPos + s) * t.invFreq[i]!);
        const cos = f(f(Math.cos(angle)) * f(t.attentionScaling));
        const sin = f(f(Math.sin(angle)) * f(t.attentionScaling)) * (inverse ? -1 : 1);
        const [i0, i1] = style === "half" ? [base + i, base + i + half] : [base + 2 * i, base + 2 * i + 1];
        const a = x[i0]!;
        const b = x[i1]!;
        out[i0] = a * cos - b * sin;
        out[i1] = b * cos + a * sin;
      }
    }
  }
  return out;
}
