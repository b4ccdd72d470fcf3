/**
 * ggml's scale searches for the K-quant encoders (ggml-quants.c nearest_int, make_qkx2_quants,
 * make_qx_quants), mirrored operation by operation in float32 so mini writes the bytes
 * quantize_row_q{4,5,6}_K_ref write: every C float operation is one Math.fround of the exact
 * double result (for +, −, ×, ÷ and sqrt of float32 operands that is the float32 result, the double
 * rounding being innocuous), in the C's order of evaluation. Only the paths the K encoders take
 * without an importance matrix are here (make_qx_quants with rmse_type 1 and no weights).
 */
const f = Math.fround;

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/**
 * ggml-quants.c nearest_int: adds 1.5·2²³ in float32 and reads the integer off the mantissa bits,
 * i.e. rounds half to even for |v| ≤ 4194303 (and gives the C's same garbage beyond, which the
 * callers clamp).
 */
export function nearestInt(v: number): number {
  // Within ±2²² the sum lands in [2²³, 2²⁴), where the mantissa bits are the sum minus 2²³ exactly:
  // the same integer without the typed-array round trip (the encoders' hot path).
  const r = f(v + 12582912) - 12582912;
  if (r >= -4194304 && r < 4194304) return r;
  f32[0] = v + 12582912;
  return (i32[0]! & 0x007fffff) - 0x00400000;
}

/** make_qkx2_quants' second result (*the_min): the sub-block's min, negated (≥ 0). */
export const qkx2 = { min: 0 };

/**
 * ggml-quants.c make_qkx2_quants: the scale and min of an asymmetric sub-block x[xo, xo + n)
 * (value ≈ scale·L − min, L in 0…nmax) minimising Σ w·(scale·L + min' − x)² (Σ w·|…| with useMad, Q2_K's), starting
 * from the range mapper and trying iscale = (rmin + rdelta·is + nmax) / (max − min) for is = 0…nstep,
 * each refit by weighted least squares. Writes L[lo, lo + n), sets qkx2.min, returns the scale.
 * laux: [n] scratch.
 */
export function makeQkx2Quants(
  n: number, nmax: number, x: Float32Array, xo: number, weights: Float32Array, L: Uint8Array, lo: number,
  laux: Uint8Array, rmin: number, rdelta: number, nstep: number, useMad = false,
): number {
  let min = x[xo]!;
  let max = x[xo]!;
  let sumW = weights[0]!;
  let sumX = f(sumW * x[xo]!);
  for (let i = 1; i < n; i++) {
    const v = x[xo + i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    const w = weights[i]!;
    sumW = f(sumW + w);
    sumX = f(sumX + f(w * v));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    qkx2.min = -min;
    return 0;
  }
  let iscale = f(nmax / f(max - min));
  let scale = f(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    const l = Math.max(0, Math.min(nmax, nearestInt(f(iscale * f(v - min)))));
    L[lo + i] = l;
    const diff = f(f(f(scale * l) + min) - v);
    bestError = f(bestError + f(weights[i]! * (useMad ? Math.abs(diff) : f(diff * diff))));
  }
  if (nstep < 1) {
    qkx2.min = -min;
    return scale;
  }
  for (let is = 0; is <= nstep; is++) {
    // min is the best fit's so far (the C updates it in the loop): both the range and the offset move with it
    iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i]!;
      const l = Math.max(0, Math.min(nmax, nearestInt(f(iscale * f(v - min)))));
      laux[i] = l;
      const wl = f(weights[i]! * l);
      sumL = f(sumL + wl);
      sumL2 = f(sumL2 + f(wl * l));
      sumXL = f(sumXL + f(wl * v));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (!(D > 0)) continue;
    let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
    let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
    if (thisMin > 0) {
      thisMin = 0;
      thisScale = f(sumXL / sumL2);
    }
    let curError = 0;
    for (let i = 0; i < n; i++) {
      const diff = f(f(f(thisScale * laux[i]!) + thisMin) - x[xo + i]!);
      curError = f(curError + f(weights[i]! * (useMad ? Math.abs(diff) : f(diff * diff))));
    }
    if (curError < bestError) {
      for (let i = 0; i < n; i++) L[lo + i] = laux[i]!;
      bestError = curError;
      scale = thisScale;
      min = thisMin;
    }
  }
  qkx2.min = -min;
  return scale;
}

/** ggml-quants.c GROUP_MAX_EPS (1e-15f): a group whose largest magnitude is below it is all zero. */
export const GROUP_MAX_EPS = f(1e-15);

/** The value of largest magnitude among x[xo, xo + n) (the first of equals; 0 for none), as ggml's loops find it. */
function largestMagnitude(x: Float32Array, xo: number, n: number): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]!);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i]!;
    }
  }
  return max;
}

/**
 * ggml-quants.c make_qx_quants with rmse_type 1 and no qw: the scale of a symmetric group
 * x[xo, xo + n) (value ≈ scale·(L − nmax), L in 0…2·nmax − 1) maximising (Σ w·x·l)² / Σ w·l²
 * with w = x², over iscale = −(nmax + 0.1·is) / max for is = −9…9 (max: the value of largest
 * magnitude). Writes L[lo, lo + n) and returns the scale (0 for an all-zero group, L all 0).
 */
export function makeQxQuants(n: number, nmax: number, x: Float32Array, xo: number, L: Uint8Array, lo: number): number {
  const max = largestMagnitude(x, xo, n);
  if (Math.abs(max) < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  let iscale = f(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * v))));
    L[lo + i] = l + nmax;
    const w = f(v * v);
    sumlx = f(sumlx + f(f(w * v) * l));
    suml2 = f(suml2 + f(f(w * l) * l));
  }
  let scale = suml2 ? f(sumlx / suml2) : 0;
  let best = f(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f(-f(nmax + f(f(0.1) * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i]!;
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * v))));
      const w = f(v * v);
      sumlx = f(sumlx + f(f(w * v) * l));
      suml2 = f(suml2 + f(f(w * l) * l));
    }
    if (suml2 > 0 && f(sumlx * sumlx) > f(best * suml2)) {
      for (let i = 0; i < n; i++) L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * x[xo + i]!))));
      scale = f(sumlx / suml2);
      best = f(scale * sumlx);
    }
  }
  return scale;
}

/**
 * ggml-quants.c make_q3_quants with do_rmse: Q3_K's symmetric group x[xo, xo + n) starts at
 * iscale = −nmax / max and then, up to 5 passes, moves single quants to the integer nearest the
 * least-squares optimum of the others (weights x²) when that raises (Σ w·x·l)² / Σ w·l². Writes
 * L[lo, lo + n) (l + nmax, 0…2·nmax − 1; all 0 for an all-zero group) and returns Σ w·x·l / Σ w·l².
 * li: [n] scratch for the signed quants.
 */
export function makeQ3Quants(n: number, nmax: number, x: Float32Array, xo: number, L: Uint8Array, lo: number, li: Int8Array): number {
  const max = largestMagnitude(x, xo, n);
  if (Math.abs(max) < GROUP_MAX_EPS) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  const iscale = f(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(iscale * v))));
    li[i] = l;
    const w = f(v * v);
    sumlx = f(sumlx + f(f(w * v) * l));
    suml2 = f(suml2 + f(f(w * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const v = x[xo + i]!;
      const w = f(v * v);
      let slx = f(sumlx - f(f(w * v) * li[i]!));
      if (!(slx > 0)) continue;
      let sl2 = f(suml2 - f(f(w * li[i]!) * li[i]!));
      const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(f(f(v * sl2) / slx))));
      if (l === li[i]) continue;
      slx = f(slx + f(f(w * v) * l));
      sl2 = f(sl2 + f(f(w * l) * l));
      if (sl2 > 0 && f(f(slx * slx) * suml2) > f(f(sumlx * sumlx) * sl2)) {
        li[i] = l;
        sumlx = slx;
        suml2 = sl2;
        changed++;
      }
    }
    if (!changed) break;
  }
  for (let i = 0; i < n; i++) L[lo + i] = li[i]! + nmax;
  return suml2 > 0 ? f(sumlx / suml2) : 0;
}
