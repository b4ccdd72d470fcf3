import { f16ToF32 } from "../io/half.js";
import { integersQ4_K, Q4_K_BYTES } from "../quant/q4_k.js";
import { integersQ5_K, Q5_K_BYTES } from "../quant/q5_k.js";
import { integersQ6_K, Q6_K_BYTES } from "../quant/q6_k.js";
import { quantizeActRowK, SUPER_BLOCK, type KQuantDtype } from "./kquant.js";

/**
 * kquant.wat's arithmetic for Q4_K / Q5_K / Q6_K W in exact float32 steps, to compare bit for bit (the
 * float64 reference with its tolerance is compactMatmulReference): out [M, N] = x [M, K] · Wᵀ.
 * x quantized per row by quantizeActRowK; per (x row, W row) one float chain over the super-blocks,
 *   acc ← (acc + f32(Σ_k ints[k]·q_x[k])·(d·d_x)) − f32(Σ_s m[s]·Σq_x[s])·(dmin·d_x)
 * (Q6_K without the second term), the integer sums exact — the row-dots' and the gemms' order.
 */
export function kquantMatmulF32(x: ArrayLike<number>, M: number, K: number, w: Uint8Array, dtype: KQuantDtype, N: number): Float32Array {
  // q4: Q4_K and Q5_K (d @0, dmin @2, mins); Q6_K: d @208, no mins
  const nsb = K / SUPER_BLOCK, q4 = dtype !== "q6_k", sbBytes = dtype === "q4_k" ? Q4_K_BYTES : dtype === "q5_k" ? Q5_K_BYTES : Q6_K_BYTES;
  const f = Math.fround;
  // W's integers once: ints [N·nsb][256], mins [N·nsb][8], d and dmin [N·nsb]
  const ints = new Int32Array(N * K), mins = new Int32Array(N * nsb * 8), d = new Float32Array(N * nsb), dmin = new Float32Array(N * nsb);
  for (let b = 0; b < N * nsb; b++) {
    const p = b * sbBytes, at = ints.subarray(b * SUPER_BLOCK, (b + 1) * SUPER_BLOCK);
    if (dtype === "q4_k") integersQ4_K(w, b, at, mins.subarray(b * 8, b * 8 + 8));
    else if (dtype === "q5_k") integersQ5_K(w, b, at, mins.subarray(b * 8, b * 8 + 8));
    else integersQ6_K(w, b, at);
    d[b] = f16ToF32(q4 ? w[p]! | (w[p + 1]! << 8) : w[p + 208]! | (w[p + 209]! << 8));
    if (q4) dmin[b] = f16ToF32(w[p + 2]! | (w[p + 3]! << 8));
  }
  const out = new Float32Array(M * N), sumQ = new Int32Array(nsb * 8);
  for (let m = 0; m < M; m++) {
    const act = quantizeActRowK(Array.prototype.slice.call(x, m * K, (m + 1) * K) as number[], K);
    sumQ.fill(0);
    for (let k = 0; k < K; k++) sumQ[k >> 5]! += act.q[k]!;
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let sb = 0; sb < nsb; sb++) {
        const b = n * nsb + sb;
        let s = 0, sMin = 0;
        for (let j = 0; j < SUPER_BLOCK; j++) s += ints[b * SUPER_BLOCK + j]! * act.q[sb * SUPER_BLOCK + j]!;
        for (let j = 0; j < 8; j++) sMin += mins[b * 8 + j]! * sumQ[sb * 8 + j]!;
        acc = f(acc + f(f(s) * f(d[b]! * act.d[sb]!)));
        if (q4) acc = f(acc - f(f(sMin) * f(dmin[b]! * act.d[sb]!)));
      }
      out[m * N + n] = acc;
    }
  }
  return out;
}
