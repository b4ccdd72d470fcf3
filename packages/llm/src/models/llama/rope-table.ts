/**
 * Rotary position embedding in HF's rotate_half layout, with the cos/sin of every
 * (position, frequency) computed once per model instead of once per token.
 *
 * For a head vector x of headDim values and half = headDim / 2, position p rotates each pair
 * (x[i], x[i + half]) by the angle p·θ^(−2i/headDim):
 *   x'[i]        = x[i]·cos − x[i + half]·sin
 *   x'[i + half] = x[i + half]·cos + x[i]·sin
 * (llama2.c rotates adjacent pairs (2i, 2i+1) instead; HF checkpoints need this layout.)
 */
export class RopeTable {
  readonly half: number;
  /** cos/sin: [maxPos, half], angles computed in float64. */
  readonly cos: Float32Array;
  readonly sin: Float32Array;

  constructor(
    readonly headDim: number,
    readonly maxPos: number,
    readonly theta: number,
  ) {
    const half = headDim / 2;
    this.half = half;
    this.cos = new Float32Array(maxPos * half);
    this.sin = new Float32Array(maxPos * half);
    for (let i = 0; i < half; i++) {
      const invFreq = 1 / Math.pow(theta, (2 * i) / headDim);
      for (let p = 0; p < maxPos; p++) {
        const angle = p * invFreq;
        this.cos[p * half + i] = Math.cos(angle);
        this.sin[p * half + i] = Math.sin(angle);
      }
    }
  }

  /**
   * Rotates `nHeads` head vectors of `src` (starting at srcOff, consecutive heads headDim apart)
   * for position `pos`, writing them to `dst` at dstOff with heads `dstStride` apart.
   * src and dst may be the same array at the same offsets (in place).
   */
  rotate(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, dstStride: number, nHeads: number, pos: number): void {
    const half = this.half;
    const hd = this.headDim;
    const cos = this.cos;
    const sin = this.sin;
    const t = pos * half;
    for (let h = 0; h < nHeads; h++) {
      const s = srcOff + h * hd;
      const d = dstOff + h * dstStride;
      for (let i = 0; i < half; i++) {
        const c = cos[t + i]!;
        const sn = sin[t + i]!;
        const a = src[s + i]!;
        const b = src[s + i + half]!;
        dst[d + i] = a * c - b * sn;
        dst[d + i + half] = b * c + a * sn;
      }
    }
  }
}
