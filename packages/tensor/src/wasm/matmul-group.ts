import { gemmBlocks, gemmJobs, layoutCode, layoutStrides, MIN_MACS_PER_THREAD, routesToGemm, workFloats, type MatmulLayout } from "./matmul.js";
import { kernelRef, runJobs, threadCount, type KernelRef } from "./pool.js";
import { roundUp4, runInHeap, type Operand } from "./scratch.js";

/**
 * Independent matrix products in ONE kernel-pool round, each product on its own share of the
 * threads. A linear layer's backward is two products of the same size, dx = dy·W and dW = dyᵀ·x:
 * split one after the other, each is a round in which every thread packs the whole of A and a
 * slice of B; as a group, at 2 threads, each thread computes one whole product (one round, no
 * duplicated packing). Every element is still summed by gemm in the same order (a column range
 * of a product starts on a whole 8-column panel), so the bits are those of one call per product.
 */
export interface GroupedProduct {
  layout: MatmulLayout;
  a: Float32Array;
  b: Float32Array;
  M: number;
  K: number;
  N: number;
  out: Float32Array;
  /** Default 1. */
  alpha?: number;
  /** Default 0. */
  beta?: number;
}

let gemmRef: KernelRef | null = null;

/** Column ranges of one product: at most `parts`, whole NR panels, each at least minCols wide. */
function columnBounds(N: number, NR: number, minCols: number, parts: number): number[] {
  const t = Math.max(1, Math.min(parts, Math.floor(N / Math.max(minCols, 1))));
  const groups = Math.ceil(N / NR);
  const bounds = [0];
  for (let i = 1; i < t; i++) bounds.push(Math.min(N, Math.round((groups * i) / t) * NR));
  bounds.push(N);
  return bounds;
}

/**
 * Runs the products as one round when that pays: at least 2 threads, at most one product per
 * thread, each product on the packed gemm and worth a thread (MIN_MACS_PER_THREAD). Returns false,
 * having done nothing, otherwise (the caller runs them one by one). No product's out may overlap
 * another's operands.
 */
export function wasmMatmulGroup(products: readonly GroupedProduct[]): boolean {
  const T = threadCount();
  const count = products.length;
  if (T < 2 || count < 2 || count > T) return false;
  for (const p of products) {
    if (!routesToGemm(layoutCode(p.layout), p.M, p.K, p.N) || p.M * p.K * p.N < MIN_MACS_PER_THREAD) return false;
  }
  const { NR } = gemmBlocks();
  const share = Math.floor(T / count);
  const plans = products.map((p) => {
    const code = layoutCode(p.layout);
    const bounds = columnBounds(p.N, NR, Math.ceil(MIN_MACS_PER_THREAD / (p.M * p.K)), share);
    return { p, code, bounds, each: roundUp4(workFloats(code, p.M, p.K, p.N)) };
  });
  let work = 0;
  for (const plan of plans) work += plan.each * (plan.bounds.length - 1);
  const ops: Operand[] = [];
  for (const { a, b, out, M, K, N, beta } of products) {
    ops.push({ array: a, n: M * K, read: true, write: false }, { array: b, n: K * N, read: true, write: false }, { array: out, n: M * N, read: (beta ?? 0) !== 0, write: true });
  }
  runInHeap(ops, work, (addrs, scratch) => {
    const jobs: number[][] = [];
    let at = scratch;
    plans.forEach(({ p, code, bounds, each }, i) => {
      const { rsA, csA, rsB, csB } = layoutStrides(code, p.M, p.K, p.N);
      jobs.push(...gemmJobs(addrs[3 * i]!, rsA, csA, addrs[3 * i + 1]!, rsB, csB, addrs[3 * i + 2]!, p.N, p.M, p.K, p.alpha ?? 1, p.beta ?? 0, bounds, at, each));
      at += 4 * each * (bounds.length - 1);
    });
    runJobs((gemmRef ??= kernelRef("gemm", "gemm")), jobs);
  });
  return true;
}
