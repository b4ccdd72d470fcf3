import { relaxedDot } from "../wasm/instance.js";
import { MIN_MACS_PER_THREAD } from "../wasm/matmul.js";
import { cutEvenly, type Cuttable } from "../wasm/matmul-group.js";
import { kernelRef, runJobs, splitRange, threadCount, type KernelRef } from "../wasm/pool.js";
import { roundUp4 } from "../wasm/scratch.js";
import { ACT_Q16, blocksPerRow } from "./blocks.js";
import { rowBytes, type WeightDtype } from "./dtype.js";

/**
 * Prefill's products with Q8_0 / Q4_0 W (compact/int-gemm.wat): out [M, N] = x [M, K] · Wᵀ for
 * M ≥ INT_GEMM_MIN_M, the same bits as the row-dots (compact/q8_0.wat) and so the same for every
 * thread count. Three steps, each on the kernel pool:
 *   1. x quantized by quantizeActs16 (16-bit blocks), split by rows of x;
 *   2. pairActs16 lays the rows out by pairs, each k-pair repeated for the dot products' lanes;
 *   3. gemmQ8_0 / gemmQ4_0, split by rows of W (8-row groups): each job packs its rows 8 at a time
 *      into a panel of its own and multiplies it by 4 rows of x at a time.
 * Several products of one x (a layer's q, k, v; gate and up: up to INT_GEMM_GROUP_MAX) share
 * steps 1 and 2, and their rows are cut into one piece per thread for one round of step 3.
 * Q4_0 where relaxedDot() is true takes relaxeddot.wat's pairActs8 / gemmQ4_0 instead: the same
 * tiling on bytes (the nibbles are the int8 dot product's unsigned operand), the same bits.
 * Scratch (intGemmScratchFloats): the activation blocks, the pairs, one panel per job.
 */

/** Rows of x from which q8_0 / q4_0 products take the packed gemm (fewer: the row-dots, which read W as it is). */
export const INT_GEMM_MIN_M = 8;
/** Bytes of pairActs16's layout per block and pair of rows of x (16 k-pairs × 16 bytes, 4 scales); pairActs8's take 160. */
const PAIR_BYTES = 272;
/** Bytes of a gemm panel per block (8 rows of W: 16 k-pairs × 4 vectors of 16 bytes, 4 scale vectors); relaxeddot's take 576. */
const PANEL_BYTES = 1088;
/** Most products of one x in one runIntGemm (the scratch holds a panel for each job: threads + this − 1). */
export const INT_GEMM_GROUP_MAX = 3;

/** Whether out = x·Wᵀ with x [M, K] and W in `dtype` takes runIntGemm. */
export function usesIntGemm(dtype: WeightDtype, M: number): dtype is "q8_0" | "q4_0" {
  return (dtype === "q8_0" || dtype === "q4_0") && M >= INT_GEMM_MIN_M;
}

/** The scratch of one call: byte offsets from its start, and its floats for `jobs` jobs. */
function layout(M: number, K: number, jobs: number): { xd: number; x2: number; panels: number; floats: number } {
  const nb = blocksPerRow(K), pairs = 2 * Math.ceil(M / 4); // ⌈M/2⌉ rounded up to even: gemm reads 2 pairs a pass
  const xd = M * nb * ACT_Q16.blockBytes;
  const x2 = 16 * Math.ceil((xd + 4 * M * nb) / 16);
  const panels = x2 + nb * pairs * PAIR_BYTES;
  return { xd, x2, panels, floats: roundUp4((panels + jobs * nb * PANEL_BYTES) / 4) };
}

/** Floats of scratch of a runIntGemm with x [M, K] at the current thread count (or fewer). */
export function intGemmScratchFloats(M: number, K: number): number {
  return layout(M, K, threadCount() + INT_GEMM_GROUP_MAX - 1).floats;
}

/** One product of runIntGemm: W [N, K] at byte address w, out [M, N] at byte address po. */
export interface IntGemmProduct {
  w: number;
  N: number;
  po: number;
}

const refs: Record<string, KernelRef> = {};
const ref = (module: string, name: string): KernelRef => (refs[`${module}.${name}`] ??= kernelRef(module, name));

/** A call's kernels: relaxeddot.wat's for Q4_0 where its int8 dot product is in use, else compact.wat's. */
function kernels(dtype: "q8_0" | "q4_0"): { pairs: KernelRef; gemm: KernelRef } {
  if (dtype === "q4_0" && relaxedDot()) return { pairs: ref("relaxeddot", "pairActs8"), gemm: ref("relaxeddot", "gemmQ4_0") };
  return { pairs: ref("compact", "pairActs16"), gemm: ref("compact", dtype === "q8_0" ? "gemmQ8_0" : "gemmQ4_0") };
}

/**
 * out_i [M, N_i] = x (byte address px, [M, K]) · W_iᵀ for each product (at most INT_GEMM_GROUP_MAX;
 * outs must not overlap x or each other); `work`: intGemmScratchFloats(M, K) floats.
 */
export function runIntGemm(dtype: "q8_0" | "q4_0", px: number, M: number, K: number, products: readonly IntGemmProduct[], work: number): void {
  if (products.length > INT_GEMM_GROUP_MAX) throw new Error(`runIntGemm: ${products.length} products of one x, at most ${INT_GEMM_GROUP_MAX}`);
  const k = kernels(dtype), nb = blocksPerRow(K);
  const at = layout(M, K, 0);
  const xq = work, xd = work + at.xd, x2 = work + at.x2;
  runJobs(ref("compact", "quantizeActs16"), split(M, Math.ceil(4096 / K), (m0, m1) => [px + 4 * m0 * K, m1 - m0, K, xq + m0 * nb * ACT_Q16.blockBytes, xd + 4 * m0 * nb]));
  runJobs(k.pairs, split(2 * Math.ceil(M / 4), Math.ceil(2048 / K), (j0, j1) => [xq, xd, M, nb, x2, j0, j1]));
  // every product's rows end to end, cut into one piece per thread of about equal work (8-row units)
  const cuts: Cuttable[] = products.map((p) => ({ units: p.N, align: 8, cost: M * K, bounds: [] }));
  const total = products.reduce((s, p) => s + p.N * M * K, 0);
  cutEvenly(cuts, Math.max(1, Math.min(threadCount(), Math.floor(total / MIN_MACS_PER_THREAD))));
  const rb = rowBytes(dtype, K);
  const jobs: number[][] = [];
  products.forEach((p, i) => {
    const b = cuts[i]!.bounds;
    for (let t = 0; t + 1 < b.length; t++) {
      const panel = work + at.panels + jobs.length * nb * PANEL_BYTES;
      jobs.push([x2, M, nb, p.w + b[t]! * rb, b[t + 1]! - b[t]!, p.po + 4 * b[t]!, p.N, panel]);
    }
  });
  runJobs(k.gemm, jobs);
}

/** Jobs over [0, count) split across the threads, at least minItems each. */
function split(count: number, minItems: number, job: (i0: number, i1: number) => number[]): number[][] {
  const b = splitRange(count, 1, minItems), jobs: number[][] = [];
  for (let t = 0; t + 1 < b.length; t++) jobs.push(job(b[t]!, b[t + 1]!));
  return jobs;
}

