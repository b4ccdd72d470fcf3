import { gemmBlocks, gemmJobs, layoutCode, layoutStrides, MIN_MACS_PER_THREAD, routesToGemm, WASM_MIN_MACS, workFloats, type MatmulLayout } from "./matmul.js";
import { kernelRef, runJobs, threadCount, type KernelRef } from "./pool.js";
import { roundUp4, runInHeap, type Operand } from "./scratch.js";

/**
 * Independent matrix products in ONE kernel-pool round. Split one after the other, each product
 * is a round of its own, and a small one (a decode step's k or v projection, 104 rows) is not
 * worth waking a thread for, so it runs on the calling thread alone. As a group, the products'
 * work is laid end to end and cut into one piece per thread of about equal multiply-adds, each
 * piece one job per product it covers (a layer's q, k, v at 2 threads: q's first rows; the rest
 * of q, k and v). A linear layer's backward (dx = dy·W, dW = dyᵀ·x, two equal products) is one
 * product per thread.
 *
 * Pieces are whole output rows of a matrix-vector product (gemvT: each row one dot product, in
 * the same order however the rows are cut) or whole 8-column panels of a gemm product (each
 * element summed in the same order whatever the columns around it), so every product gets the
 * bits of its own call, for every thread count.
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

/** Dims of a product, as the planner sees them. */
type Dims = Pick<GroupedProduct, "layout" | "M" | "K" | "N">;

/** How one product is cut: gemvT by rows of 4 (x·Wᵀ with one row of x), gemm by NR-column panels. */
interface Plan extends Cuttable {
  gemv: boolean;
  /** gemm's packing scratch per job (floats); 0 for gemv. */
  each: number;
}

let gemmRef: KernelRef | null = null;
let gemvTRef: KernelRef | null = null;

/** The plans of a group at T threads (default: the current count), or null when it does not go as one round. */
function planGroup(products: readonly Dims[], T = threadCount()): Plan[] | null {
  if (T < 2 || products.length < 2) return null;
  const plans: Plan[] = [];
  let total = 0;
  for (const p of products) {
    const code = layoutCode(p.layout);
    if (p.M * p.K * p.N < WASM_MIN_MACS) return null; // its own call runs the JS loop (other bits)
    let plan: Plan;
    if (p.M === 1 && code === layoutCode("nt") && p.N > 1) plan = { gemv: true, units: p.N, align: 4, cost: p.K, each: 0, bounds: [] };
    else if (routesToGemm(code, p.M, p.K, p.N)) plan = { gemv: false, units: p.N, align: gemmBlocks().NR, cost: p.M * p.K, each: roundUp4(workFloats(code, p.M, p.K, p.N)), bounds: [] };
    else return null;
    plans.push(plan);
    total += plan.units * plan.cost;
  }
  const pieces = Math.min(T, Math.floor(total / MIN_MACS_PER_THREAD));
  if (pieces < 2) return null;
  cutEvenly(plans, pieces);
  return plans;
}

/** A product's output units (rows or columns) to cut: `align` units a step, `cost` multiply-adds a unit. */
export interface Cuttable {
  units: number;
  align: number;
  cost: number;
  /** Filled by cutEvenly: unit boundaries of the product's jobs, [0, …, units]. */
  bounds: number[];
}

/**
 * Lays the products' work end to end and cuts it into `pieces` of about equal cost: cut k at
 * total·k/pieces, rounded to the unit grid of the product it falls in. Each product's bounds get
 * [0, its cuts…, units]: at most one job per product plus one per cut.
 */
export function cutEvenly(products: readonly Cuttable[], pieces: number): void {
  let total = 0;
  for (const p of products) total += p.units * p.cost;
  let start = 0; // cost before the current product
  for (const p of products) {
    p.bounds.length = 0;
    p.bounds.push(0);
    const end = start + p.units * p.cost;
    for (let k = 1; k < pieces; k++) {
      const at = (total * k) / pieces;
      if (at <= start || at >= end) continue;
      const u = Math.round((at - start) / p.cost / p.align) * p.align;
      if (u > p.bounds[p.bounds.length - 1]! && u < p.units) p.bounds.push(u);
    }
    p.bounds.push(p.units);
    start = end;
  }
}

/** Jobs of a plan: count and scratch floats. */
const jobsOf = (plan: Plan): number => plan.bounds.length - 1;

/**
 * Floats of kernel scratch wasmMatmulGroup takes at most for these products, or the same with
 * fewer rows M, at `threads` threads (default: the current count) or fewer: gemm's packing panels,
 * one per job (at most one per product plus one per cut), none for matrix-vector products or when
 * they run one by one (which matmulScratchFloats covers). What a model reserves at load for its
 * grouped calls.
 */
export function matmulGroupScratchFloats(products: readonly Dims[], threads = threadCount()): number {
  const plans = planGroup(products, threads);
  if (plans === null) return 0;
  return (plans.length + threads - 1) * Math.max(...plans.map((plan) => plan.each));
}

/**
 * Runs the products as one round when that pays: at least 2 threads, every product a
 * matrix-vector product with one row of x (x·Wᵀ) or on the packed gemm (so at least
 * WASM_MIN_MACS: a smaller one's own call is the JS loop), and the whole worth 2 threads
 * (MIN_MACS_PER_THREAD each). Returns false, having done nothing, otherwise (the caller
 * runs them one by one). No product's out may overlap another's operands.
 */
export function wasmMatmulGroup(products: readonly GroupedProduct[]): boolean {
  const plans = planGroup(products);
  if (plans === null) return false;
  let work = 0;
  for (const plan of plans) work += plan.each * jobsOf(plan);
  const ops: Operand[] = [];
  for (const { a, b, out, M, K, N, beta } of products) {
    ops.push({ array: a, n: M * K, read: true, write: false }, { array: b, n: K * N, read: true, write: false }, { array: out, n: M * N, read: (beta ?? 0) !== 0, write: true });
  }
  runInHeap(ops, work, (addrs, scratch) => {
    const jobs: number[][] = [];
    const refs: KernelRef[] = [];
    let at = scratch;
    plans.forEach((plan, i) => {
      const p = products[i]!;
      const [pa, pb, pc] = [addrs[3 * i]!, addrs[3 * i + 1]!, addrs[3 * i + 2]!];
      const alpha = p.alpha ?? 1, beta = p.beta ?? 0;
      if (plan.gemv) {
        gemvTRef ??= kernelRef("gemv", "gemvT");
        for (let t = 0; t < jobsOf(plan); t++) {
          const r0 = plan.bounds[t]!, r1 = plan.bounds[t + 1]!;
          jobs.push([pa, pb + 4 * r0 * p.K, r1 - r0, p.K, pc + 4 * r0, alpha, beta]); // gemvT(x, W rows, rows, K, out, alpha, beta)
          refs.push(gemvTRef);
        }
        return;
      }
      const code = layoutCode(p.layout);
      const { rsA, csA, rsB, csB } = layoutStrides(code, p.M, p.K, p.N);
      gemmRef ??= kernelRef("gemm", "gemm");
      for (const job of gemmJobs(pa, rsA, csA, pb, rsB, csB, pc, p.N, p.M, p.K, alpha, beta, plan.bounds, at, plan.each)) {
        jobs.push(job);
        refs.push(gemmRef);
      }
      at += 4 * plan.each * jobsOf(plan);
    });
    runJobs(refs, jobs);
  });
  return true;
}
