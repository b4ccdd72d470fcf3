import { relaxedDot } from "../wasm/instance.js";
import { MIN_MACS_PER_THREAD } from "../wasm/matmul.js";
import { cutEvenly, type Cuttable } from "../wasm/matmul-group.js";
import { kernelRef, runJobs, splitRange, threadCount, type KernelRef } from "../wasm/pool.js";
import { roundUp4 } from "../wasm/scratch.js";
import { ACT_Q16, blocksPerRow } from "./blocks.js";
import { rowBytes, type WeightDtype } from "./dtype.js";
import { ACT_Q8K_BYTES, isKQuant, SUPER_BLOCK } from "./kquant.js";

/**
 * Prefill's products with Q8_0 / Q4_0 W (compact/int-gemm.wat) and Q4_K / Q5_K / Q6_K W (kquant/gemm.wat):
 * out [M, N] = x [M, K] · Wᵀ for M ≥ INT_GEMM_MIN_M, the same bits as the row-dots (compact/q8_0.wat,
 * kquant/q4_k.wat) and so the same for every thread count. Three steps, each on the kernel pool:
 *   1. x quantized by quantizeActs16 (16-bit blocks of 32) / quantizeActsK (8-bit blocks of 256),
 *      split by rows of x;
 *   2. pairActs16 / pairActsK lay the rows out by pairs, each k-pair repeated for the dot products' lanes;
 *   3. gemmQ8_0 / gemmQ4_0 / gemmQ4_K / gemmQ5_K / gemmQ6_K, split by rows of W (8-row groups): each job packs
 *      its rows 8 at a time into a panel of its own and multiplies it by 4 rows of x at a time.
 * Several products of one x (a layer's q, k, v; gate and up: up to INT_GEMM_GROUP_MAX) share
 * steps 1 and 2, and their rows are cut into one piece per thread for one round of step 3.
 * Q4_0 and Q4_K where relaxedDot() is true take relaxeddot.wat's pairActs8 / gemmQ4_0 and
 * pairActsK8 / gemmQ4_K instead: the same tiling on bytes (the nibbles are the int8 dot product's
 * unsigned operand), the same bits.
 * Scratch (intGemmScratchFloats): the activation blocks, the pairs, one panel per job.
 */

/** Rows of x from which q8_0 / q4_0 products take the packed gemm (fewer: the row-dots, which read W as it is). */
export const INT_GEMM_MIN_M = 8;
/**
 * Each weight format's layout: blocks a row (nb), bytes of quantized x per block of a row (scales
 * included), of the pairs' layout per block and pair of rows (pairActs16: 16 k-pairs × 16 bytes +
 * 4 scales; relaxeddot's pairActs8 take 160; pairActsK: 132 pairs × 16 + 16), of a gemm panel per
 * block (8 W rows: 16 k-pairs × 4 vectors + 4 scale vectors; relaxeddot's 576; kquant/gemm-pack.wat:
 * 132 pairs × 64 + 128) plus a panel's fixed bytes (kquant: 2 rows expanded). Q4_K on relaxed
 * SIMD's int8 dot product takes relaxeddot/q4_k-gemm-pack.wat's (1104 and 4992 + 32 bytes).
 */
interface Format { nb: number; actBytes: number; pairBytes: number; panelBytes: number; panelFixed: number }
function format(dtype: IntGemmDtype, K: number): Format {
  if (dtype === "q4_k" && relaxedDot()) return { nb: K / SUPER_BLOCK, actBytes: ACT_Q8K_BYTES, pairBytes: 1104, panelBytes: 4992, panelFixed: 32 };
  if (dtype === "q4_k" || dtype === "q5_k" || dtype === "q6_k") return { nb: K / SUPER_BLOCK, actBytes: ACT_Q8K_BYTES, pairBytes: 2128, panelBytes: 8576, panelFixed: 1088 };
  return { nb: blocksPerRow(K), actBytes: ACT_Q16.blockBytes + 4, pairBytes: 272, panelBytes: 1088, panelFixed: 0 };
}
/** Most products of one x in one runIntGemm (the scratch holds a panel for each job: threads + this − 1). */
export const INT_GEMM_GROUP_MAX = 3;

/** The weight dtypes with a packed integer gemm. */
export type IntGemmDtype = "q8_0" | "q4_0" | "q4_k" | "q5_k" | "q6_k";

/** Whether out = x·Wᵀ with x [M, K] and W in `dtype` takes runIntGemm. */
export function usesIntGemm(dtype: WeightDtype, M: number): dtype is IntGemmDtype {
  return (dtype === "q8_0" || dtype === "q4_0" || isKQuant(dtype)) && M >= INT_GEMM_MIN_M;
}

/** The scratch of one call: byte offsets from its start (xd: q8_0 / q4_0's scales), and its floats for `jobs` jobs. */
function layout(f: Format, M: number, jobs: number): { xd: number; x2: number; panels: number; floats: number } {
  const pairs = 2 * Math.ceil(M / 4); // ⌈M/2⌉ rounded up to even: gemm reads 2 pairs a pass
  const xd = M * f.nb * ACT_Q16.blockBytes;
  const x2 = 16 * Math.ceil((M * f.nb * f.actBytes) / 16);
  const panels = x2 + f.nb * pairs * f.pairBytes;
  const panelBytes = 16 * Math.ceil((f.nb * f.panelBytes + f.panelFixed) / 16);
  return { xd, x2, panels, floats: roundUp4((panels + jobs * panelBytes) / 4) };
}

/** Floats of scratch of a runIntGemm with x [M, K] and W in `dtype` at the current thread count (or fewer). */
export function intGemmScratchFloats(dtype: IntGemmDtype, M: number, K: number): number {
  return layout(format(dtype, K), M, threadCount() + INT_GEMM_GROUP_MAX - 1).floats;
}

/** One product of runIntGemm: W [N, K] at byte address w, out [M, N] at byte address po. */
export interface IntGemmProduct {
  w: number;
  N: number;
  po: number;
}

const refs: Record<string, KernelRef> = {};
const ref = (module: string, name: string): KernelRef => (refs[`${module}.${name}`] ??= kernelRef(module, name));

const KQUANT_GEMM = { q4_k: "gemmQ4_K", q5_k: "gemmQ5_K", q6_k: "gemmQ6_K" } as const;

/** A call's kernels: kquant.wat's for the K-quants; relaxeddot.wat's for Q4_0 where its int8 dot product is in use, else compact.wat's. */
function kernels(dtype: IntGemmDtype): { quantize: KernelRef; pairs: KernelRef; gemm: KernelRef } {
  if (dtype === "q4_k" && relaxedDot()) return { quantize: ref("kquant", "quantizeActsK"), pairs: ref("relaxeddot", "pairActsK8"), gemm: ref("relaxeddot", "gemmQ4_K") };
  // Q5_K takes the int16 gemm in both builds (no int8 variant: its 5-bit quants are the same
  // "i7" operand, but its relaxed packer is not written)
  if (isKQuant(dtype)) return { quantize: ref("kquant", "quantizeActsK"), pairs: ref("kquant", "pairActsK"), gemm: ref("kquant", KQUANT_GEMM[dtype]) };
  const quantize = ref("compact", "quantizeActs16");
  if (dtype === "q4_0" && relaxedDot()) return { quantize, pairs: ref("relaxeddot", "pairActs8"), gemm: ref("relaxeddot", "gemmQ4_0") };
  return { quantize, pairs: ref("compact", "pairActs16"), gemm: ref("compact", dtype === "q8_0" ? "gemmQ8_0" : "gemmQ4_0") };
}

/**
 * out_i [M, N_i] = x (byte address px, [M, K]) · W_iᵀ for each product (at most INT_GEMM_GROUP_MAX;
 * outs must not overlap x or each other); `work`: intGemmScratchFloats(dtype, M, K) floats.
 */
export function runIntGemm(dtype: IntGemmDtype, px: number, M: number, K: number, products: readonly IntGemmProduct[], work: number): void {
  if (products.length > INT_GEMM_GROUP_MAX) throw new Error(`runIntGemm: ${products.length} products of one x, at most ${INT_GEMM_GROUP_MAX}`);
  const k = kernels(dtype), f = format(dtype, K), nb = f.nb, kq = isKQuant(dtype);
  const at = layout(f, M, 0);
  const xq = work, xd = work + at.xd, x2 = work + at.x2;
  runJobs(k.quantize, split(M, Math.ceil(4096 / K), (m0, m1) => kq
    ? [px + 4 * m0 * K, m1 - m0, K, xq + m0 * nb * f.actBytes]
    : [px + 4 * m0 * K, m1 - m0, K, xq + m0 * nb * ACT_Q16.blockBytes, xd + 4 * m0 * nb]));
  runJobs(k.pairs, split(2 * Math.ceil(M / 4), Math.ceil(2048 / K), (j0, j1) => (kq ? [xq, M, nb, x2, j0, j1] : [xq, xd, M, nb, x2, j0, j1])));
  // every product's rows end to end, cut into one piece per thread of about equal work (8-row units)
  const cuts: Cuttable[] = products.map((p) => ({ units: p.N, align: 8, cost: M * K, bounds: [] }));
  const total = products.reduce((s, p) => s + p.N * M * K, 0);
  cutEvenly(cuts, Math.max(1, Math.min(threadCount(), Math.floor(total / MIN_MACS_PER_THREAD))));
  const rb = rowBytes(dtype, K), panelBytes = 16 * Math.ceil((nb * f.panelBytes + f.panelFixed) / 16);
  const jobs: number[][] = [];
  products.forEach((p, i) => {
    const b = cuts[i]!.bounds;
    for (let t = 0; t + 1 < b.length; t++) {
      const panel = work + at.panels + jobs.length * panelBytes;
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

