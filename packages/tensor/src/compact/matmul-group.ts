import { wasm, wasmEnabled } from "../wasm/instance.js";
import { MIN_MACS_PER_THREAD } from "../wasm/matmul.js";
import { cutEvenly, type Cuttable } from "../wasm/matmul-group.js";
import { runJobs, threadCount } from "../wasm/pool.js";
import { runInHeap, type Operand } from "../wasm/scratch.js";
import { rowBytes, type WeightDtype } from "./dtype.js";
import { INT_GEMM_GROUP_MAX, intGemmScratchFloats, runIntGemm, usesIntGemm } from "./int-gemm.js";
import { GEMM_MIN_M, prepareActivations, rowDotJob, rowDotPlan } from "./matmul.js";

/**
 * Compact products of ONE input x [M, K] (a layer's q, k, v; gate and up) in one kernel-pool
 * round: x is quantized once (not once per product) and the products' rows are laid end to end
 * and cut into one piece per thread of about equal work, each piece one row-dot job per product
 * it covers (wasm/matmul-group.ts's cutEvenly). Every output row is one row-dot, computed the same
 * way wherever the rows are cut, so each product gets the bits of its own compactMatmulTransB call.
 * q8_0 / q4_0 / q4_k / q6_k from INT_GEMM_MIN_M rows (prefill) do the same with the packed gemm (int-gemm.ts): x
 * quantized and laid out by pairs once, then one gemm round over all the products' rows.
 */
export interface CompactGroupItem {
  /** Byte address of W [N, K] in the heap. */
  w: number;
  N: number;
  /** [M, N] */
  out: Float32Array;
  /** Q8_0 W holding a −128 (compact/matmul.ts: keeps the SIMD128 product). */
  q8Minus128: boolean;
}

/**
 * Runs the group and returns true, or returns false having done nothing where it does not apply
 * (no WASM; bf16 / f16 from GEMM_MIN_M rows, which widen W for gemm; more than
 * INT_GEMM_GROUP_MAX packed-gemm products from INT_GEMM_MIN_M rows; products of a Q8_0 group
 * that would take different kernels). No out may overlap x or another out.
 */
export function compactMatmulTransBGroup(x: Float32Array, M: number, K: number, dtype: Exclude<WeightDtype, "f32">, items: readonly CompactGroupItem[]): boolean {
  if (!wasmEnabled() || wasm === null || M === 0 || items.length === 0) return false;
  if ((dtype === "bf16" || dtype === "f16") && M >= GEMM_MIN_M) return false;
  const ops: Operand[] = [{ array: x, n: M * K, read: true, write: false }];
  for (const it of items) ops.push({ array: it.out, n: M * it.N, read: false, write: true });
  const what = (): string => `compact matmul group ${dtype} [${M}, ${K}, ${items.map((it) => it.N).join(" + ")}]`;
  if (usesIntGemm(dtype, M)) {
    if (items.length > INT_GEMM_GROUP_MAX) return false;
    runInHeap(ops, intGemmScratchFloats(dtype, M, K), (addrs, work) => {
      runIntGemm(dtype, addrs[0]!, M, K, items.map((it, i) => ({ w: it.w, N: it.N, po: addrs[1 + i]! })), work);
    }, 1, () => `${what()} (packed)`);
    return true;
  }
  const plan = rowDotPlan(dtype, M, K, items[0]!.q8Minus128);
  for (const it of items) if (rowDotPlan(dtype, M, K, it.q8Minus128).dot !== plan.dot) return false;
  const cuts: Cuttable[] = items.map((it) => ({ units: it.N, align: 4, cost: M * K, bounds: [] }));
  const total = items.reduce((s, it) => s + it.N * M * K, 0);
  const pieces = Math.max(1, Math.min(threadCount(), Math.floor(total / MIN_MACS_PER_THREAD)));
  cutEvenly(cuts, pieces);
  const rb = rowBytes(dtype, K);
  runInHeap(ops, Math.ceil(plan.actBytes / 4), (addrs, work) => {
    const px = addrs[0]!;
    const acts = prepareActivations(plan, px, M, K, work);
    const jobs: number[][] = [];
    items.forEach((it, i) => {
      const b = cuts[i]!.bounds;
      for (let t = 0; t + 1 < b.length; t++) jobs.push(rowDotJob(plan, acts.x, M, K, it.w + b[t]! * rb, b[t + 1]! - b[t]!, addrs[1 + i]! + 4 * b[t]!, it.N));
    });
    if (pieces > 1) runJobs(acts.dot, jobs);
    else for (const job of jobs) runJobs(acts.dot, [job]); // too little work to wake a thread: here, in order (one job a call runs inline)
  }, 1, what);
  return true;
}
