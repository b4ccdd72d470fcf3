import { f16ToF32 } from "../io/half.js";
import { QK, blocksPerRow, quantizeActRow } from "./blocks.js";
import { decodeRow } from "./encode.js";
import type { WeightDtype } from "./dtype.js";
import { isKQuant, quantizeActRowK, SUPER_BLOCK } from "./kquant.js";

/**
 * Reference loops for products with compact weights, in float64: out [M, N] = x [M, K] · Wᵀ,
 * W [N, K] given as `dtype` bytes (encode.ts). What they define:
 *   f32, bf16, f16: Σ_k x·w with w widened exactly;
 *   q8_0, q4_0:     x quantized per row into activation blocks (blocks.ts: quantizeActRow), then
 *                   Σ_blocks d_w·d_x·Σ_j q_w·q_x — the integer dot is exact, so the fast kernel
 *                   differs only in the float32 rounding of the per-block scale and the sum;
 *   q4_k, q6_k:     x quantized into one activation block per 256 (kquant.ts: quantizeActRowK),
 *                   then Σ_blocks d_x·Σ_j w·q_x with w from the reference dequantizer (kquant.wat
 *                   keeps each super-block's quants, scales and mins as integers until one scaling).
 * Also returns `mag`, the scale of the kernels' rounding error: Σ|x·w| (for q8_0 / q4_0, Σ|q_x|·d_x
 * times twice the block's largest |w|, a bound that also covers kernels that scale partial sums).
 * quantizedMatmulF32 below is compact.wat's q8_0 / q4_0 arithmetic itself, to compare bit for bit;
 * kquantMatmulF32 (kquant.reference.ts) is kquant.wat's q4_k / q6_k arithmetic.
 */
export function compactMatmulReference(
  x: ArrayLike<number>, M: number, K: number, w: Uint8Array, dtype: WeightDtype, N: number,
): { out: Float64Array; mag: Float64Array } {
  const out = new Float64Array(M * N), mag = new Float64Array(M * N);
  const rowW = new Float32Array(blocksPerRow(K) * QK);
  const xs: ArrayLike<number>[] = [];
  for (let m = 0; m < M; m++) xs.push(Array.prototype.slice.call(x, m * K, (m + 1) * K) as number[]);
  const quantized = dtype === "q8_0" || dtype === "q4_0" || isKQuant(dtype);
  // activation blocks of QB values: 32 for q8_0 / q4_0, one per 256-weight super-block for the K-quants
  const QB = isKQuant(dtype) ? SUPER_BLOCK : QK;
  const acts = !quantized ? [] : xs.map((row) => (isKQuant(dtype) ? quantizeActRowK(row, K) : quantizeActRow(row, K)));
  for (let n = 0; n < N; n++) {
    decodeRow(w, dtype, K, n, rowW);
    for (let m = 0; m < M; m++) {
      let s = 0, a = 0;
      if (!quantized) {
        for (let k = 0; k < K; k++) {
          s += xs[m]![k]! * rowW[k]!;
          a += Math.abs(xs[m]![k]! * rowW[k]!);
        }
      } else {
        const act = acts[m]!;
        for (let b = 0; b < act.d.length; b++) {
          // rowW holds the dequantized weights (d_w·q_w exactly for q8_0 / q4_0); d_x·q_x is the activation's value
          let t = 0, wmax = 0, qabs = 0;
          for (let j = 0; j < QB; j++) {
            t += rowW[b * QB + j]! * act.q[b * QB + j]!;
            wmax = Math.max(wmax, Math.abs(rowW[b * QB + j]!));
            qabs += Math.abs(act.q[b * QB + j]!);
          }
          s += t * act.d[b]!;
          a += 2 * wmax * qabs * act.d[b]!;
        }
      }
      out[m * N + n] = s;
      mag[m * N + n] = a;
    }
  }
  return { out, mag };
}

/**
 * compact.wat's dotQ8_0 / dotQ4_0 in exact float32 steps: for row n of W and row m of x, over the
 * blocks b in order, acc = fround(acc + fround(S_b · fround(d_w·d_x))) with S_b = Σ_j q_w·q_x (an
 * exact integer) and Q4_0's q_w = nibble − 8. The kernels must give these numbers bit for bit.
 */
export function quantizedMatmulF32(x: ArrayLike<number>, M: number, K: number, w: Uint8Array, dtype: "q8_0" | "q4_0", N: number): Float32Array {
  const nb = blocksPerRow(K), bb = dtype === "q8_0" ? 34 : 18;
  const out = new Float32Array(M * N);
  const acts = Array.from({ length: M }, (_, m) => quantizeActRow(Array.prototype.slice.call(x, m * K, (m + 1) * K) as number[], K));
  const qw = new Int32Array(QK);
  for (let n = 0; n < N; n++) {
    for (let m = 0; m < M; m++) {
      let acc = 0;
      for (let b = 0; b < nb; b++) {
        const o = (n * nb + b) * bb;
        const dw = f16ToF32(w[o]! | (w[o + 1]! << 8));
        for (let j = 0; j < QK; j++) {
          if (dtype === "q8_0") qw[j] = (w[o + 2 + j]! << 24) >> 24;
          else qw[j] = (j < 16 ? w[o + 2 + j]! & 15 : w[o + 2 + j - 16]! >> 4) - 8;
        }
        let S = 0;
        for (let j = 0; j < QK; j++) S += qw[j]! * acts[m]!.q[b * QK + j]!;
        acc = Math.fround(acc + Math.fround(S * Math.fround(dw * acts[m]!.d[b]!)));
      }
      out[m * N + n] = acc;
    }
  }
  return out;
}
