import { gemmBlocks, type MatmulLayout } from "../src/wasm/matmul.js";
import { fmaF32 } from "./fma32.js";

const f = Math.fround;

/**
 * gemm.wat's summation order as a plain loop (test/gemm-order.test.ts says why it is pinned):
 * per element of C, a float32 sum over k ascending from zero within each depth block of KC, scaled
 * by alpha, then added to beta·C (first block) or C (later blocks). SIMD128: acc = fround(acc +
 * fround(A·B)); relaxed SIMD where it fuses (`fusedGemm`): acc = fma(A, B, acc), one rounding.
 * C = beta·C + alpha·op(A)·op(B), layouts as in matmul.ts; c is overwritten and returned.
 */
export function gemmOrderReference(layout: MatmulLayout, a: Float32Array, b: Float32Array, M: number, K: number, N: number, c: Float32Array, alpha: number, beta: number, fused: boolean): Float32Array {
  const { KC } = gemmBlocks();
  const A = (i: number, k: number): number => (layout === "tn" ? a[k * M + i]! : a[i * K + k]!);
  const B = (k: number, j: number): number => (layout === "nt" ? b[j * K + k]! : b[k * N + j]!);
  const al = f(alpha), be = f(beta);
  for (let pc = 0; pc < K; pc += KC) {
    const betaK = pc === 0 ? be : 1;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        const end = Math.min(K, pc + KC);
        if (fused) for (let k = pc; k < end; k++) acc = fmaF32(A(i, k), B(k, j), acc);
        else for (let k = pc; k < end; k++) acc = f(acc + f(A(i, k) * B(k, j)));
        acc = f(al * acc);
        if (betaK !== 0) acc = f(acc + f(betaK * c[i * N + j]!));
        c[i * N + j] = acc;
      }
    }
  }
  return c;
}

