/**
 * The JS fallback of matmul.ts (used when WASM SIMD is unavailable, with MINI_NO_WASM=1, and for
 * tiny products where a WASM call costs more than it saves). Same contract as the references
 * (matmul.reference.ts): out [M,N] = beta·out + alpha·op(a)·op(b), beta = 0 overwrites.
 *
 * One strided routine serves the three layouts: A(i,k) = a[i·rsA + k·csA], B(k,j) = b[k·rsB + j·csB].
 * Register blocking: each step of k loads 4 values of A and 4 of B into locals and updates a 4×4
 * block of outputs held in 16 locals, so every load feeds 4 multiply-adds (the naive loop: 1).
 * Edge rows and columns (M, N not multiples of 4) fall back to single dot products; a single row
 * with B contiguous in j (the M = 1 matrix-vector case) streams B row by row instead.
 */

/** out [M,N] = beta·out + alpha·a·b      a [M,K], b [K,N] */
export function matmulJs(a: Float32Array, b: Float32Array, M: number, K: number, N: number, out: Float32Array = new Float32Array(M * N), alpha = 1, beta = 0): Float32Array {
  return gemmJs(a, K, 1, b, N, 1, M, K, N, out, alpha, beta);
}

/** out [M,N] = beta·out + alpha·a·bᵀ     a [M,K], b [N,K] */
export function matmulTransBJs(a: Float32Array, b: Float32Array, M: number, K: number, N: number, out: Float32Array = new Float32Array(M * N), alpha = 1, beta = 0): Float32Array {
  return gemmJs(a, K, 1, b, 1, K, M, K, N, out, alpha, beta);
}

/** out [M,N] = beta·out + alpha·aᵀ·b     a [K,M], b [K,N] */
export function matmulTransAJs(a: Float32Array, b: Float32Array, M: number, K: number, N: number, out: Float32Array = new Float32Array(M * N), alpha = 1, beta = 0): Float32Array {
  return gemmJs(a, 1, M, b, N, 1, M, K, N, out, alpha, beta);
}

function gemmJs(
  a: Float32Array, rsA: number, csA: number,
  b: Float32Array, rsB: number, csB: number,
  M: number, K: number, N: number, out: Float32Array, alpha: number, beta: number,
): Float32Array {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    for (let j = 0; j < N4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pa = i * rsA; // A(i, k)
      let pb = j * csB; // B(k, j)
      for (let k = 0; k < K; k++) {
        const a0 = a[pa]!, a1 = a[pa + rsA]!, a2 = a[pa + 2 * rsA]!, a3 = a[pa + 3 * rsA]!;
        const b0 = b[pb]!, b1 = b[pb + csB]!, b2 = b[pb + 2 * csB]!, b3 = b[pb + 3 * csB]!;
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        pa += csA;
        pb += rsB;
      }
      store4(out, i * N + j, alpha, beta, c00, c01, c02, c03);
      store4(out, (i + 1) * N + j, alpha, beta, c10, c11, c12, c13);
      store4(out, (i + 2) * N + j, alpha, beta, c20, c21, c22, c23);
      store4(out, (i + 3) * N + j, alpha, beta, c30, c31, c32, c33);
    }
    for (let j = N4; j < N; j++) {
      for (let r = i; r < i + 4; r++) storeDot(a, r * rsA, csA, b, j * csB, rsB, K, out, r * N + j, alpha, beta);
    }
  }
  for (let i = M4; i < M; i++) {
    if (csB === 1) edgeRowStreaming(a, i * rsA, csA, b, rsB, K, N, out, i * N, alpha, beta);
    else edgeRowDots(a, i * rsA, csA, b, rsB, csB, K, N, out, i * N, alpha, beta);
  }
  return out;
}

/** One output row, B(k, j) contiguous in k (A·Bᵀ): four dot products at a time share each load of A. */
function edgeRowDots(
  a: Float32Array, pa0: number, sa: number, b: Float32Array, rsB: number, csB: number, K: number, N: number,
  out: Float32Array, o: number, alpha: number, beta: number,
): void {
  const N4 = N - (N % 4);
  for (let j = 0; j < N4; j += 4) {
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let pa = pa0;
    let pb = j * csB;
    for (let k = 0; k < K; k++, pa += sa, pb += rsB) {
      const x = a[pa]!;
      s0 += x * b[pb]!;
      s1 += x * b[pb + csB]!;
      s2 += x * b[pb + 2 * csB]!;
      s3 += x * b[pb + 3 * csB]!;
    }
    store4(out, o + j, alpha, beta, s0, s1, s2, s3);
  }
  for (let j = N4; j < N; j++) storeDot(a, pa0, sa, b, j * csB, rsB, K, out, o + j, alpha, beta);
}

function store4(out: Float32Array, o: number, alpha: number, beta: number, c0: number, c1: number, c2: number, c3: number): void {
  if (beta === 0) {
    out[o] = alpha * c0; out[o + 1] = alpha * c1; out[o + 2] = alpha * c2; out[o + 3] = alpha * c3;
  } else {
    out[o] = beta * out[o]! + alpha * c0;
    out[o + 1] = beta * out[o + 1]! + alpha * c1;
    out[o + 2] = beta * out[o + 2]! + alpha * c2;
    out[o + 3] = beta * out[o + 3]! + alpha * c3;
  }
}

/** out[o] = beta·out[o] + alpha·Σ_k a[pa + k·sa]·b[pb + k·sb] */
function storeDot(
  a: Float32Array, pa: number, sa: number, b: Float32Array, pb: number, sb: number, K: number,
  out: Float32Array, o: number, alpha: number, beta: number,
): void {
  let s = 0;
  for (let k = 0; k < K; k++, pa += sa, pb += sb) s += a[pa]! * b[pb]!;
  out[o] = (beta === 0 ? 0 : beta * out[o]!) + alpha * s;
}

/** One output row, B contiguous in j: row[0:N] = Σ_k A(i,k)·B(k, 0:N), streaming B's rows in order. */
function edgeRowStreaming(
  a: Float32Array, pa: number, sa: number, b: Float32Array, rsB: number, K: number, N: number,
  out: Float32Array, o: number, alpha: number, beta: number,
): void {
  const acc = new Float64Array(N);
  for (let k = 0; k < K; k++, pa += sa) {
    const s = a[pa]!;
    const pb = k * rsB;
    for (let j = 0; j < N; j++) acc[j] += s * b[pb + j]!;
  }
  for (let j = 0; j < N; j++) out[o + j] = (beta === 0 ? 0 : beta * out[o + j]!) + alpha * acc[j]!;
}
