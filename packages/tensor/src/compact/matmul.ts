import { ShapeError } from "../errors.js";
import { relaxedDot, wasm, wasmEnabled } from "../wasm/instance.js";
import { kernelRef, runJobs, splitRange, type KernelRef } from "../wasm/pool.js";
import { gemmBlocks, gemmJobScratch, gemmScratch, matmulScratchFloats, MIN_MACS_PER_THREAD } from "../wasm/matmul.js";
import { roundUp4, runInHeap } from "../wasm/scratch.js";
import { runRowsSplit } from "../wasm/split-rows.js";
import { ACT_Q16, blocksPerRow } from "./blocks.js";
import { rowBytes, type WeightDtype } from "./dtype.js";
import { ACT_Q8K_BYTES, isKQuant, SUPER_BLOCK } from "./kquant.js";
import { intGemmScratchFloats, runIntGemm, usesIntGemm } from "./int-gemm.js";
import { compactMatmulReference } from "./matmul.reference.js";

/**
 * out [M, N] = x [M, K] · Wᵀ for W [N, K] kept compact (bf16, f16, q8_0, q4_0, q4_k, q5_k, q6_k) in the WASM heap
 * at byte address `w`. The f32 dtype goes through kernels.matmulTransB instead (matrix.ts).
 *
 * On the kernel pool: for the block-quantized dtypes the rows of x are first quantized once into
 * activation blocks (split by rows of x; blocks.ts), then W's rows are split across the threads (each streams its own slice of
 * W: tensor parallelism). Each output element is one row-dot computed by one thread, in the same
 * order for every thread count, so results are bit-identical whatever setThreads says.
 * bf16 / f16 with M ≥ GEMM_MIN_M (prefill) run the f32 gemm with W widened as it is packed
 * (widenedGemm below): a row-dot would widen every weight once per row of x.
 * q8_0 / q4_0 / q4_k / q5_k / q6_k with M ≥ INT_GEMM_MIN_M (prefill) pack W for the int16 gemms of
 * int-gemm.ts (the row-dots' bits); with fewer rows q8_0 / q4_0 / q4_k / q5_k take relaxeddot.wat's
 * int8 dot products where relaxedDot() says so (the same results bit for bit), except a Q8_0 W holding a −128 (`q8Minus128`: that one weight value the
 * relaxed product cannot take, see the .wat), which keeps compact.wat's.
 * Without WASM it runs the float64 reference loop (matmul.reference.ts).
 */

/** Rows of x from which bf16 / f16 run gemm on W widened as it is packed (fewer: the row-dots, widening per row of x). */
export const GEMM_MIN_M = 4;
/** Least elements of an accumulate's out += y worth handing to a thread. */
const MIN_ADD_PER_THREAD = 1 << 14;

const refs: Partial<Record<string, KernelRef>> = {};
function ref(name: string): KernelRef {
  // looked up first: a decode step asks ~200 times, and splitting the name each time showed in its profile
  const known = refs[name];
  if (known !== undefined) return known;
  const [module, fn] = name.includes(".") ? name.split(".") as [string, string] : ["compact", name];
  return (refs[name] = kernelRef(module, fn));
}

/** Each dtype's row-dot export (module.name; compact.wat's by default). */
const dotName: Record<Exclude<WeightDtype, "f32">, string> = {
  bf16: "dotBf16", f16: "dotF16", q8_0: "dotQ8_0", q4_0: "dotQ4_0", q4_k: "kquant.dotQ4_K", q5_k: "kquant.dotQ5_K", q6_k: "kquant.dotQ6_K",
};

export function compactMatmulTransB(
  x: Float32Array, M: number, K: number, w: number, bytes: () => Uint8Array, dtype: Exclude<WeightDtype, "f32">, N: number, out: Float32Array,
  q8Minus128 = false, accumulate = false,
): Float32Array {
  if (x.length < M * K) throw new ShapeError(`compact matmul: x has ${x.length} elements, [M, K] = [${M}, ${K}] needs ${M * K}`);
  if (out.length < M * N) throw new ShapeError(`compact matmul: out has ${out.length} elements, [M, N] = [${M}, ${N}] needs ${M * N}`);
  if (M === 0 || N === 0) return out;
  if (!wasmEnabled() || wasm === null) {
    const { out: r } = compactMatmulReference(x, M, K, bytes(), dtype, N);
    for (let i = 0; i < M * N; i++) out[i] = accumulate ? out[i]! + r[i]! : r[i]!;
    return out;
  }
  const quantized = dtype !== "bf16" && dtype !== "f16";
  // With accumulate the product goes to y [M, N] in scratch (after the kernels' own), then out += y on the pool.
  const ySize = accumulate ? roundUp4(M * N) : 0;
  const ops = [
    { array: x, n: M * K, read: true, write: false },
    { array: out, n: M * N, read: accumulate, write: true },
  ];
  if (!quantized && M >= GEMM_MIN_M) {
    const scratch = widenedScratch(M, K, N);
    return runInHeap(ops, scratch + ySize, ([px, po], work) => {
      const py = accumulate ? work + 4 * scratch : po!;
      widenedGemm(px!, M, K, w, dtype, N, py, work);
      if (accumulate) addInPlace(po!, py, M, N);
    }, 1, () => `compact matmul ${dtype} [${M}, ${K}, ${N}] (widened)`);
  }
  if (usesIntGemm(dtype, M)) {
    const scratch = intGemmScratchFloats(dtype, M, K);
    return runInHeap(ops, scratch + ySize, ([px, po], work) => {
      const py = accumulate ? work + 4 * scratch : po!;
      runIntGemm(dtype, px!, M, K, [{ w, N, po: py }], work);
      if (accumulate) addInPlace(po!, py, M, N);
    }, 1, () => `compact matmul ${dtype} [${M}, ${K}, ${N}] (packed)`);
  }
  const plan = rowDotPlan(dtype, M, K, q8Minus128);
  const act = roundUp4(Math.ceil(plan.actBytes / 4));
  return runInHeap(ops, act + ySize, ([px, po], work) => {
    const py = accumulate ? work + 4 * act : po!;
    const acts = prepareActivations(plan, px!, M, K, work);
    const rb = rowBytes(dtype, K);
    const bounds = splitRange(N, 4, Math.ceil(MIN_MACS_PER_THREAD / (M * K)));
    const jobs: number[][] = [];
    for (let t = 0; t + 1 < bounds.length; t++) jobs.push(rowDotJob(plan, acts.x, M, K, w + bounds[t]! * rb, bounds[t + 1]! - bounds[t]!, py + 4 * bounds[t]!, N));
    runJobs(acts.dot, jobs);
    if (accumulate) addInPlace(po!, py, M, N);
  }, 1, () => `compact matmul ${dtype} [${M}, ${K}, ${N}]`);
}

/**
 * out [M, N] += y [M, N] (byte addresses), split by rows across the pool: f32 adds, each element's
 * once, so the same bits as the JS loop and for every thread count.
 */
function addInPlace(po: number, py: number, M: number, N: number): void {
  runRowsSplit("elementwise", "add", M, N, 1, MIN_ADD_PER_THREAD, (r0, r1) => [po + 4 * r0 * N, py + 4 * r0 * N, po + 4 * r0 * N, (r1 - r0) * N]);
}

/** How the row-dots of a call run: its activation blocks (none for bf16 / f16) and its kernels. */
export interface RowDotPlan {
  quantized: boolean;
  /** q8_0 / q4_0: 16-bit (or relaxeddot's 8-bit) blocks with f32 scales after them. */
  wide: boolean;
  /** Activation blocks a row, bytes of quantized values, bytes of the whole activation scratch. */
  nb: number;
  qBytes: number;
  actBytes: number;
  quantize: KernelRef | null;
  /** relaxeddot.wat's Q6_K row-dot: the activations' sums of each 16 (sumsK16), after the blocks. */
  sums16: KernelRef | null;
  dot: KernelRef;
  /** f16: the row-dot on x·2^112 (row-dot-f16-scaled.wat), taken when that copy of x is exact. */
  scaledDot: KernelRef | null;
}

export function rowDotPlan(dtype: Exclude<WeightDtype, "f32">, M: number, K: number, q8Minus128: boolean): RowDotPlan {
  const quantized = dtype !== "bf16" && dtype !== "f16";
  // q8_0 / q4_0 take 16-bit activation blocks, q i16 [M, nb, 32] then d f32 [M, nb] (ACT_Q16,
  // blocks.ts); the K-quants one 8-bit block per 256-weight super-block (ACT_Q8K_BYTES, kquant.ts).
  const wide = dtype === "q8_0" || dtype === "q4_0";
  // relaxeddot.wat's activation blocks are 64 bytes like ACT_Q16's (q i8[32], the Q4_0 correction)
  const int8 = wide && relaxedDot() && !(dtype === "q8_0" && q8Minus128);
  const quantize = !quantized ? null : ref(int8 ? "relaxeddot.quantizeActs8" : wide ? "quantizeActs16" : "kquant.quantizeActsK");
  // The K-quants take the same activation blocks either way; relaxeddot.wat has their row-dots on
  // the int8 dot (Q6_K's also the blocks' sums of each 16, written after them: activationLayout)
  const kquant8 = isKQuant(dtype) && relaxedDot();
  const dot = int8 ? `relaxeddot.${dotName[dtype]}` : kquant8 ? `relaxeddot.${dotName[dtype].slice("kquant.".length)}` : dotName[dtype];
  const sums16 = kquant8 && dtype === "q6_k" ? ref("relaxeddot.sumsK16") : null;
  return { quantized, wide, ...activationLayout(dtype, M, K), quantize, sums16, dot: ref(dot), scaledDot: dtype === "f16" ? ref("dotF16Scaled") : null };
}

/**
 * Makes the M rows of x (at px) ready for the plan's row-dots, in the scratch at `work`: quantized
 * into the plan's activation blocks (split by rows of x), or for f16 scaled by 2^112; nothing for
 * bf16. Returns the row-dot kernel to run and the x address its jobs take (rowDotJob).
 */
export function prepareActivations(plan: RowDotPlan, px: number, M: number, K: number, work: number): { dot: KernelRef; x: number } {
  if (plan.scaledDot !== null) {
    // one pass over M·K floats on this thread; a finite |x| ≥ 2^16 would overflow: dotF16 on x as it is
    return wasm!.compact.scaleActs112(px, M * K, work) === 1 ? { dot: plan.scaledDot, x: work } : { dot: plan.dot, x: px };
  }
  if (plan.quantize === null) return { dot: plan.dot, x: px };
  const xd = work + plan.qBytes, nb = plan.nb;
  const bounds = splitRange(M, 1, Math.max(1, Math.ceil(4096 / K)));
  const jobs: number[][] = [];
  for (let t = 0; t + 1 < bounds.length; t++) {
    const m0 = bounds[t]!, m1 = bounds[t + 1]!;
    if (plan.wide) jobs.push([px + 4 * m0 * K, m1 - m0, K, work + m0 * nb * ACT_Q16.blockBytes, xd + 4 * m0 * nb]);
    else jobs.push([px + 4 * m0 * K, m1 - m0, K, work + m0 * nb * ACT_Q8K_BYTES]);
  }
  runJobs(plan.quantize, jobs);
  // M·nb sums of 16 bytes' worth of work each: on the calling thread
  if (plan.sums16 !== null) runJobs(plan.sums16, [[work, M * nb, work + plan.qBytes]]);
  return { dot: plan.dot, x: work };
}

/** The row-dot call for `rows` rows of W starting at byte address wRows, into out at po (row stride N); x from prepareActivations. */
export function rowDotJob(plan: RowDotPlan, x: number, M: number, K: number, wRows: number, rows: number, po: number, N: number): number[] {
  if (plan.wide) return [x, x + plan.qBytes, M, plan.nb, wRows, rows, po, N];
  return [x, M, plan.quantized ? plan.nb : K, wRows, rows, po, N];
}

/**
 * For a Q8_0 W [N, K] at byte address w: true when the relaxed int8 dot product is in use and some
 * weight is −128, which it cannot take (relaxeddot.wat; no encoder writes one). A WASM scan of the
 * bytes, ~GB/s: WeightMatrix asks once, at its first product.
 */
export function q8NeedsPlainDot(w: number, N: number, K: number): boolean {
  return relaxedDot() && wasm!.relaxeddot.q8HasMinus128!(w, N * blocksPerRow(K)) !== 0;
}

/**
 * The quantized activations of a call: nb blocks a row, qBytes of quantized values (then, for
 * q8_0 / q4_0, the f32 scales: actBytes in all).
 */
function activationLayout(dtype: WeightDtype, M: number, K: number): { nb: number; qBytes: number; actBytes: number } {
  const quantized = dtype !== "f32" && dtype !== "bf16" && dtype !== "f16";
  const wide = dtype === "q8_0" || dtype === "q4_0";
  const nb = isKQuant(dtype) ? K / SUPER_BLOCK : blocksPerRow(K); // activation blocks a row
  const qBytes = quantized ? M * nb * (wide ? ACT_Q16.blockBytes : ACT_Q8K_BYTES) : 0;
  // after q8_0 / q4_0's blocks their scales d f32 [M, nb]; after Q6_K's the sums of each 16 i16 [M, nb, 16]
  // (read only by relaxeddot.wat's row-dot, always reserved so a load-time budget holds either way);
  // f16: x·2^112 [M, K]
  const after = wide ? 4 * M * nb : dtype === "q6_k" ? 32 * M * nb : dtype === "f16" ? 4 * M * K : 0;
  return { nb, qBytes, actBytes: qBytes + after };
}

/**
 * Floats of kernel scratch out [M, N] = x [M, K]·Wᵀ takes with W in `dtype` and x, out in the heap
 * (quantized activations or packed panels of W, gemm's panels for f32, bf16, f16), at the
 * current thread count: what a model reserves at load for its largest call. `accumulate` (out +=
 * x·Wᵀ, a residual add) takes room for the product as well.
 */
export function linearScratchFloats(dtype: WeightDtype, M: number, K: number, N: number, accumulate = false): number {
  if (M === 0 || N === 0) return 0;
  if (dtype === "f32") return matmulScratchFloats("nt", M, K, N);
  const y = accumulate ? roundUp4(M * N) : 0; // the product, added to out after
  if (dtype === "bf16" || dtype === "f16") return M < GEMM_MIN_M ? y : widenedScratch(M, K, N) + y;
  if (usesIntGemm(dtype, M)) return intGemmScratchFloats(dtype, M, K) + y;
  return roundUp4(Math.ceil(activationLayout(dtype, M, K).actBytes / 4)) + y;
}

/** Scratch floats of widenedGemm: gemm's packing panels, one set per job. */
function widenedScratch(M: number, K: number, N: number): number {
  const { each, parts } = gemmScratch(M, K, N);
  return parts * each;
}

/**
 * bf16 / f16 prefill: gemm.wat's gemmW16, which widens W's blocks to f32 as it packs them, split by
 * columns (rows of W) across the pool: each element summed as gemm sums it on the widened W,
 * whatever the split, so the same bits for every thread count (and as a gemm on an f32 copy of W).
 * x at px, out at po (row stride N), `work`: widenedScratch(M, K, N) floats.
 */
function widenedGemm(px: number, M: number, K: number, w: number, dtype: "bf16" | "f16", N: number, po: number, work: number): void {
  const { each } = gemmScratch(M, K, N);
  const bounds = splitRange(N, gemmBlocks().NR, Math.ceil(MIN_MACS_PER_THREAD / (M * K)));
  const jobs: number[][] = [];
  for (let t = 0; t + 1 < bounds.length; t++) {
    // columns [n0, n1) of out: W's rows from n0 (2·K bytes each), job t's scratch at work + 4·t·each
    const n0 = bounds[t]!, n1 = bounds[t + 1]!, ap = work + 4 * t * each;
    const { bp, tile } = gemmJobScratch(M, K, n1 - n0, ap);
    jobs.push([M, n1 - n0, K, px, K, 1, w + 2 * n0 * K, dtype === "f16" ? 1 : 0, po + 4 * n0, N, ap, bp, tile]);
  }
  runJobs(ref("gemm.gemmW16"), jobs);
}
