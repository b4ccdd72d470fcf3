/**
 * Matrix products, the plain way: one dot product per output element, summed in float64.
 * The algorithmic reference for matmul.ts (its WASM and JS paths are tested against these) and the
 * "naive" column of the benchmark. Legend: out is [M, N], the shared dim is K;
 * out = beta·out + alpha·(product), and beta = 0 overwrites out without reading it.
 */

/** out [M,N] = beta·out + alpha·a·b      a [M,K], b [K,N] */
export function matmulReference(
  a: Float32Array, b: Float32Array, M: number, K: number, N: number,
  out: Float32Array = new Float32Array(M * N), alpha = 1, beta = 0,
): Float32Array {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[i * K + k]! * b[k * N + j]!;
      out[i * N + j] = alpha * sum + (beta === 0 ? 0 : beta * out[i * N + j]!);
    }
  }
  return out;
}

/** out [M,N] = beta·out + alpha·a·bᵀ     a [M,K], b [N,K]  (x·Wᵀ with W in HF Linear layout) */
export function matmulTransBReference(
  a: Float32Array, b: Float32Array, M: number, K: number, N: number,
  out: Float32Array = new Float32Array(M * N), alpha = 1, beta = 0,
): Float32Array {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[i * K + k]! * b[j * K + k]!;
      out[i * N + j] = alpha * sum + (beta === 0 ? 0 : beta * out[i * N + j]!);
    }
  }
  return out;
}

/** out [M,N] = beta·out + alpha·aᵀ·b     a [K,M], b [K,N]  (weight gradients: xᵀ·dy) */
export function matmulTransAReference(
  a: Float32Array, b: Float32Array, M: number, K: number, N: number,
  out: Float32Array = new Float32Array(M * N), alpha = 1, beta = 0,
): Float32Array {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += a[k * M + i]! * b[k * N + j]!;
      out[i * N + j] = alpha * sum + (beta === 0 ? 0 : beta * out[i * N + j]!);
    }
  }
  return out;
}
