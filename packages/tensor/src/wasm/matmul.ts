import { wasm } from "./instance.js";
import { roundUp4, runInHeap } from "./scratch.js";

/**
 * The WASM SIMD matrix products (gemm.wat, gemv.wat): C [M,N] = beta·C + alpha·op(A)·op(B).
 * Called by src/kernels/matmul.ts after its size checks, only when `wasm` is loaded.
 *
 *   "nn": A [M,K] · B [K,N]     "nt": A [M,K] · Bᵀ, B [N,K]     "tn": Aᵀ · B, A [K,M], B [K,N]
 *
 * Routing: a single output row or column (M = 1 or N = 1) is a matrix-vector product, memory-bound,
 * so it goes to gemvT (dot products with contiguous rows) or gemvN (stream rows, accumulate),
 * never through packing; everything else goes to the packed, register-blocked gemm.
 */
export type MatmulLayout = "nn" | "nt" | "tn";

interface Gemv {
  kind: "T" | "N";
  x: "a" | "b"; // which operand is the vector
  rows: number; // gemvT: rows of W; gemvN: K
  cols: number; // gemvT: K;         gemvN: N
}

/** The matrix-vector form of a product with M = 1 or N = 1, or null. */
function asGemv(layout: MatmulLayout, M: number, K: number, N: number): Gemv | null {
  if (M === 1) {
    // out [1,N]: x = a (contiguous in every layout when M = 1)
    return layout === "nt" ? { kind: "T", x: "a", rows: N, cols: K } : { kind: "N", x: "a", rows: K, cols: N };
  }
  if (N === 1) {
    // out [M,1]: x = b (contiguous when N = 1); "nn"/"nt": rows of A [M,K]; "tn": A [K,M] streamed
    return layout === "tn" ? { kind: "N", x: "b", rows: K, cols: M } : { kind: "T", x: "b", rows: M, cols: K };
  }
  return null;
}

/** Element strides of A(i,k) and B(k,j) for each layout (see the legend in gemm.wat). */
function strides(layout: MatmulLayout, M: number, K: number, N: number): [number, number, number, number] {
  switch (layout) {
    case "nn":
      return [K, 1, N, 1];
    case "nt":
      return [K, 1, 1, K];
    case "tn":
      return [1, M, N, 1];
  }
}

/**
 * out = beta·out + alpha·op(a)·op(b) on the WASM kernels. Sizes are checked by the caller.
 * Returns out (a fresh view of the same memory if out is pinned and the heap grew meanwhile).
 */
export function wasmMatmul(
  layout: MatmulLayout,
  a: Float32Array,
  b: Float32Array,
  M: number,
  K: number,
  N: number,
  out: Float32Array,
  alpha: number,
  beta: number,
): Float32Array {
  const { gemm: g, gemv: v } = wasm!;
  if (M === 0 || N === 0) return out;
  if (K === 0) {
    // An empty sum: out = beta·out (beta = 0 overwrites, NaN included).
    for (let i = 0; i < M * N; i++) out[i] = beta === 0 ? 0 : beta * out[i]!;
    return out;
  }
  const ops = [
    { array: a, n: M * K, read: true, write: false },
    { array: b, n: K * N, read: true, write: false },
    { array: out, n: M * N, read: beta !== 0, write: true },
  ];
  const gemv = asGemv(layout, M, K, N);
  if (gemv !== null) {
    const accFloats = gemv.kind === "N" ? gemv.cols : 0; // gemvN sums into scratch acc [cols]
    return runInHeap(ops, accFloats, ([pa, pb, pc], work) => {
      const [x, mat] = gemv.x === "a" ? [pa!, pb!] : [pb!, pa!];
      if (gemv.kind === "T") v.gemvT(x, mat, gemv.rows, gemv.cols, pc!, alpha, beta);
      else v.gemvN(x, mat, gemv.rows, gemv.cols, pc!, alpha, beta, work);
    });
  }
  // Packed-panel sizes for these dims: A block ⌈mc/MR⌉·MR × kc, B block kc × ⌈nc/NR⌉·NR, one tile.
  const MR = g.MR.value as number, NR = g.NR.value as number;
  const kc = Math.min(K, g.KC.value as number);
  const mc = Math.min(M, g.MC.value as number);
  const nc = Math.min(N, g.NC.value as number);
  const apFloats = roundUp4(Math.ceil(mc / MR) * MR * kc);
  const bpFloats = roundUp4(kc * Math.ceil(nc / NR) * NR);
  const [rsA, csA, rsB, csB] = strides(layout, M, K, N);
  return runInHeap(ops, apFloats + bpFloats + MR * NR, ([pa, pb, pc], work) => {
    const ap = work;
    const bp = ap + apFloats * 4;
    const tile = bp + bpFloats * 4;
    g.gemm(M, N, K, pa!, rsA, csA, pb!, rsB, csB, pc!, alpha, beta, ap, bp, tile);
  });
}
