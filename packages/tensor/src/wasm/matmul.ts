import { wasm } from "./instance.js";
import { memoryBuffer, reserveScratchHoldingViews, roundUp4, runInHeap } from "./scratch.js";
import { kernelRef, runJobs, splitRange, type KernelRef } from "./pool.js";

/**
 * The WASM SIMD matrix products (gemm.wat, gemv.wat): C [M,N] = beta·C + alpha·op(A)·op(B).
 * Called by src/kernels/matmul.ts after its size checks, only when `wasm` is loaded.
 *
 *   "nn": A [M,K] · B [K,N]     "nt": A [M,K] · Bᵀ, B [N,K]     "tn": Aᵀ · B, A [K,M], B [K,N]
 *
 * Routing (route()):
 *   - a single output row or column (M = 1 or N = 1) is a matrix-vector product, memory-bound, so it
 *     goes to gemvT (dot products with contiguous rows) or gemvN (stream rows, accumulate), never
 *     through packing;
 *   - a few rows (M ≤ SMALL_M) of A·B with a small B (in cache): one gemvN per row of A. That is
 *     the decode step of attention (the probabilities of a group of 2-4 query heads times the
 *     cached values), where gemm would pack all of B to use it a few times: measured 2.5× faster
 *     at [3, 256]·[256, 26]. (A·Bᵀ stays on gemm: the per-row gemvT was no faster at the scores'
 *     shapes, [3, 26]·[L, 26]ᵀ, and gemm keeps every M ≥ 3 summing each element in the same
 *     order, so a prompt fed in chunks of any size ≥ 3 gives bit-identical projections);
 *   - 2 rows (M ≤ ROWS_NT) of A·Bᵀ: one gemvT per row of A (a batch of two decoding sequences
 *     through a Linear layer). gemm's 4-row tiles leave half their work unused there: measured
 *     (one thread, CPU time) gemm ran at half the rate of two gemvT calls on every Linear shape
 *     of the 32M model (5.4 vs 10.9 GFLOP/s on its 32002×312 head); at M = 4 the two were equal.
 *     Each row is then bit-identical to its M = 1 product. (M = 3 stays on gemm: a 3-token chunk
 *     summed in gemvT's order moved a test's logits past its float32 bound vs float64.)
 *   - everything else goes to the packed, register-blocked gemm. Inside it, up to DIRECT_M (16)
 *     rows of A·B or Aᵀ·B skip packing and read A and B in place (include/gemm/direct.wat: a training
 *     step's dx = dy·W on one 7-token sentence was copying all of W for 2 row tiles), with the
 *     same summation order per element, so the same bits (test/gemm-order.test.ts); 5–8 rows of
 *     A·Bᵀ (x·Wᵀ of a short sentence) run as Cᵀ = W·xᵀ with W read in place ($directT).
 *
 * Threads (pool.ts): gemvT is split by output rows (each thread streams its own slice of W: tensor
 * parallelism), gemm by blocks of 8 output columns (each thread packs only its columns of B).
 * Every element of C is summed by one thread in the same order as on one thread, so results are
 * bit-identical for every thread count. Calls too small to pay for waking workers (under
 * MIN_MACS_PER_THREAD each) stay on the calling thread; gemvN stays there too (attention-sized).
 *
 * Two ways in: when a, b and out are all in the WASM heap (pinned tensors: model weights and
 * run-state buffers) their addresses are used directly and nothing is allocated on the JS heap
 * (the decode loop of a small model makes ~30 calls per token, so per-call garbage showed up as
 * GC time); otherwise runInHeap (scratch.ts) copies the JS arrays in and out.
 */
export type MatmulLayout = "nn" | "nt" | "tn";

/** Most rows of A (A·B only) that go through one gemvN per row instead of gemm (B small, see B_CACHED_FLOATS). */
const SMALL_M = 4;
/** Most rows of A·Bᵀ that go through one gemvT per row instead of gemm. */
const ROWS_NT = 2;
/** B up to this many floats (256 KiB) counts as cached for the per-row path (it is re-read M times). */
const B_CACHED_FLOATS = 65536;

/** Least multiply-adds worth handing to a thread (a wake-up costs a few microseconds). */
export const MIN_MACS_PER_THREAD = 1 << 15;
/** Below this many multiply-adds (M·K·N) kernels/matmul.ts runs the JS loop: it beats the cost of a WASM call. */
export const WASM_MIN_MACS = 2048;

const NT = 0, NN = 1, TN = 2;
export const layoutCode = (layout: MatmulLayout): number => (layout === "nt" ? NT : layout === "nn" ? NN : TN);

/** gemm.wat's block sizes (immutable globals; read once: a Global's .value is a call into the engine). */
interface GemmBlocks {
  MR: number;
  NR: number;
  KC: number;
  MC: number;
  NC: number;
}
let blocks: GemmBlocks | null = null;
export function gemmBlocks(): GemmBlocks {
  if (blocks === null) {
    const g = wasm!.gemm;
    blocks = { MR: g.MR.value as number, NR: g.NR.value as number, KC: g.KC.value as number, MC: g.MC.value as number, NC: g.NC.value as number };
  }
  return blocks;
}

/** Floats of scratch route() needs for these dims: gemvN's accumulator, or gemm's packed panels. */
export function workFloats(code: number, M: number, K: number, N: number): number {
  if (M === 1) return code === NT ? 0 : N; // gemvT needs none; gemvN sums into acc [N]
  if (N === 1) return code === TN ? M : 0; // gemvN over A [K,M]: acc [M]
  if (smallM(code, M, K, N)) return N;
  if (rowsNT(code, M)) return 0; // gemvT needs none
  return gemmFloats(M, K, N);
}

/** gemm's packed-panel sizes for these dims: A block ⌈mc/MR⌉·MR × kc, B block kc × ⌈nc/NR⌉·NR, one tile. */
function gemmFloats(M: number, K: number, N: number): number {
  return gemmJobScratch(M, K, N, 0).floats;
}

/**
 * The scratch of one gemm job (gemm, gemmW16, gemmPackedB) over N columns of an [M, K] product,
 * from byte address ap: the packed A block at ap, the packed B block at bp (gemmPackedB's B is
 * packed already and leaves it unused), the MR×NR tile at tile; `floats` floats in all.
 */
export function gemmJobScratch(M: number, K: number, N: number, ap: number): { bp: number; tile: number; floats: number } {
  const { MR, NR, KC, MC, NC } = gemmBlocks();
  const kc = Math.min(K, KC), mc = Math.min(M, MC), nc = Math.min(N, NC);
  const bp = ap + roundUp4(Math.ceil(mc / MR) * MR * kc) * 4;
  const tile = bp + roundUp4(kc * Math.ceil(nc / NR) * NR) * 4;
  return { bp, tile, floats: (tile - ap) / 4 + MR * NR };
}

function smallM(code: number, M: number, K: number, N: number): boolean {
  return M <= SMALL_M && code === NN && K * N <= B_CACHED_FLOATS;
}

/** A·Bᵀ with 2 rows (N > 1): one gemvT per row. */
const rowsNT = (code: number, M: number): boolean => code === NT && M <= ROWS_NT;

let gemvTRef: KernelRef | null = null;
let gemmRef: KernelRef | null = null;

/**
 * How many threads route() splits this product across (1 = not split). workFloats is per thread,
 * so the caller reserves parts·workFloats floats of scratch.
 */
function parts(code: number, M: number, K: number, N: number): number {
  if (M === 1) return code === NT ? splitRange(N, 4, Math.ceil(MIN_MACS_PER_THREAD / K)).length - 1 : 1;
  if (N === 1) return code === TN ? 1 : splitRange(M, 4, Math.ceil(MIN_MACS_PER_THREAD / K)).length - 1;
  if (smallM(code, M, K, N)) return 1;
  if (rowsNT(code, M)) return splitRange(N, 4, Math.ceil(MIN_MACS_PER_THREAD / K)).length - 1;
  return splitRange(N, gemmBlocks().NR, Math.ceil(MIN_MACS_PER_THREAD / (M * K))).length - 1;
}

/** Output rows [r0, r1) of W·x as one gemvT call's arguments. */
function gemvTJobs(x: number, w: number, rows: number, K: number, out: number, alpha: number, beta: number): number[][] {
  const bounds = splitRange(rows, 4, Math.ceil(MIN_MACS_PER_THREAD / K));
  const jobs: number[][] = [];
  for (let t = 0; t + 1 < bounds.length; t++) {
    const r0 = bounds[t]!, r1 = bounds[t + 1]!;
    jobs.push([x, w + 4 * r0 * K, r1 - r0, K, out + 4 * r0, alpha, beta]);
  }
  return jobs;
}

/** Runs the product on byte addresses pa, pb, pc with `work` (parts()·workFloats floats of scratch). */
function route(code: number, pa: number, pb: number, pc: number, M: number, K: number, N: number, alpha: number, beta: number, work: number, workFloatsEach: number): void {
  const { gemv: v } = wasm!;
  gemvTRef ??= kernelRef("gemv", "gemvT");
  if (M === 1) {
    // out [1,N]: x = a (contiguous in every layout when M = 1)
    if (code === NT) runJobs(gemvTRef, gemvTJobs(pa, pb, N, K, pc, alpha, beta));
    else v.gemvN(pa, pb, K, N, pc, alpha, beta, work);
  } else if (N === 1) {
    // out [M,1]: x = b (contiguous when N = 1); "nn"/"nt": rows of A [M,K]; "tn": A [K,M] streamed
    if (code === TN) v.gemvN(pb, pa, K, M, pc, alpha, beta, work);
    else runJobs(gemvTRef, gemvTJobs(pb, pa, M, K, pc, alpha, beta));
  } else if (smallM(code, M, K, N)) {
    // one gemvN per row of A: row i of A at pa + 4·i·K, row i of out at pc + 4·i·N
    for (let i = 0; i < M; i++) v.gemvN(pa + 4 * i * K, pb, K, N, pc + 4 * i * N, alpha, beta, work);
  } else if (rowsNT(code, M)) {
    // one gemvT per row of A (x = row i, W = b [N,K]): out row i at pc + 4·i·N
    for (let i = 0; i < M; i++) runJobs(gemvTRef, gemvTJobs(pa + 4 * i * K, pb, N, K, pc + 4 * i * N, alpha, beta));
  } else {
    const { rsA, csA, rsB, csB } = layoutStrides(code, M, K, N);
    runGemm(pa, rsA, csA, pb, rsB, csB, pc, N, M, K, N, alpha, beta, work, workFloatsEach);
  }
}

/** Scratch floats per thread and thread count of runGemm for an [M, K]·[K, N] product. */
export function gemmScratch(M: number, K: number, N: number): { each: number; parts: number } {
  return { each: roundUp4(gemmFloats(M, K, N)), parts: splitRange(N, gemmBlocks().NR, Math.ceil(MIN_MACS_PER_THREAD / (M * K))).length - 1 };
}

/**
 * gemm.wat on the pool, split by blocks of NR columns: C [M, N] (row stride ldc) = beta·C +
 * alpha·A·B with A(i,k) at pa + 4·(i·rsA + k·csA), B(k,j) at pb + 4·(k·rsB + j·csB); `work` holds
 * gemmScratch's parts·each floats. Also used by compact/matmul.ts on widened panels of W.
 */
export function runGemm(
  pa: number, rsA: number, csA: number, pb: number, rsB: number, csB: number, pc: number, ldc: number,
  M: number, K: number, N: number, alpha: number, beta: number, work: number, each: number,
): void {
  const bounds = splitRange(N, gemmBlocks().NR, Math.ceil(MIN_MACS_PER_THREAD / (M * K)));
  gemmRef ??= kernelRef("gemm", "gemm");
  runJobs(gemmRef, gemmJobs(pa, rsA, csA, pb, rsB, csB, pc, ldc, M, K, alpha, beta, bounds, work, each));
}

/**
 * runGemm's job arguments for the column ranges [bounds[t], bounds[t+1]) (whole NR panels but the
 * last): job t's packing scratch at work + 4·t·each. matmul-group.ts runs several products' jobs in one round.
 */
export function gemmJobs(
  pa: number, rsA: number, csA: number, pb: number, rsB: number, csB: number, pc: number, ldc: number,
  M: number, K: number, alpha: number, beta: number, bounds: readonly number[], work: number, each: number,
): number[][] {
  const jobs: number[][] = [];
  for (let t = 0; t + 1 < bounds.length; t++) {
    // columns [n0, n1) of C: B's columns from B(0, n0), C's from C(0, n0)
    const n0 = bounds[t]!, n1 = bounds[t + 1]!;
    const ap = work + 4 * t * each;
    const { bp, tile } = gemmJobScratch(M, K, n1 - n0, ap);
    jobs.push([M, n1 - n0, K, pa, rsA, csA, pb + 4 * n0 * csB, rsB, csB, pc + 4 * n0, ldc, alpha, beta, ap, bp, tile]);
  }
  return jobs;
}

/** Element strides of A(i,k) and B(k,j) for a layout (see the legend in gemm.wat). */
export function layoutStrides(code: number, M: number, K: number, N: number): { rsA: number; csA: number; rsB: number; csB: number } {
  return { rsA: code === TN ? 1 : K, csA: code === TN ? M : 1, rsB: code === NT ? 1 : N, csB: code === NT ? K : 1 };
}

/** True when route() sends this product to the packed gemm (not gemv, not a per-row path). */
export function routesToGemm(code: number, M: number, K: number, N: number): boolean {
  return M > 1 && N > 1 && !smallM(code, M, K, N) && !rowsNT(code, M);
}

/**
 * Floats of kernel scratch wasmMatmul takes for these dims with every operand in the heap, at the
 * current thread count (gemm's packed panels, or gemvN's accumulator): what a model reserves at
 * load for its largest call.
 */
export function matmulScratchFloats(layout: MatmulLayout, M: number, K: number, N: number): number {
  if (M === 0 || N === 0 || K === 0 || wasm === null) return 0;
  const code = layoutCode(layout);
  return roundUp4(workFloats(code, M, K, N)) * parts(code, M, K, N);
}

/** out = beta·out + alpha·op(a)·op(b) on the WASM kernels. Sizes are checked by the caller. Returns out. */
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
  if (M === 0 || N === 0) return out;
  if (K === 0) {
    // An empty sum: out = beta·out (beta = 0 overwrites, NaN included).
    for (let i = 0; i < M * N; i++) out[i] = beta === 0 ? 0 : beta * out[i]!;
    return out;
  }
  const code = layoutCode(layout);
  const each = roundUp4(workFloats(code, M, K, N));
  const work = each * parts(code, M, K, N);
  const buffer = memoryBuffer();
  if (a.buffer === buffer && b.buffer === buffer && out.buffer === buffer) {
    // All pinned: at most a scratch reservation (never a growth: scratch.ts); no JS allocation.
    const scratch = work > 0 ? reserveScratchHoldingViews(work, () => `matmul "${layout}" [${M}, ${K}, ${N}]`) : 0;
    route(code, a.byteOffset, b.byteOffset, out.byteOffset, M, K, N, alpha, beta, scratch, each);
    return out;
  }
  const ops = [
    { array: a, n: M * K, read: true, write: false },
    { array: b, n: K * N, read: true, write: false },
    { array: out, n: M * N, read: beta !== 0, write: true },
  ];
  return runInHeap(ops, work, ([pa, pb, pc], w) => route(code, pa!, pb!, pc!, M, K, N, alpha, beta, w, each), 2, () => `matmul "${layout}" [${M}, ${K}, ${N}]`);
}
