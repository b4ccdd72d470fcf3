import { ShapeError } from "../errors.js";
import { matmulTransB } from "../kernels/matmul.js";
import { heap } from "./heap.js";
import { wasm, wasmEnabled } from "./instance.js";
import { gemmBlocks, gemmJobScratch, gemmScratch, MIN_MACS_PER_THREAD, routesToGemm, WASM_MIN_MACS } from "./matmul.js";
import { cutEvenly, type Cuttable } from "./matmul-group.js";
import { kernelRef, runJobs, splitRange, threadCount, type KernelRef } from "./pool.js";
import { memoryBuffer, reserveScratchHoldingViews } from "./scratch.js";

const NT = 0;
let gemmPackedRef: KernelRef | null = null;

/**
 * A weight W [N, K] (Linear layout) kept a second time as gemm's packed B panels of Wᵀ (gemm.wat's
 * packBT, include/gemm/packed-b.wat), for products x·Wᵀ with a few rows that go through gemm: a decode step of several
 * sequences. gemm packs B on every call: for a W that does not stay in cache (a vocabulary head,
 * 32002×312 = 40 MB) that pass over W cost as much as the product (lm_head at M = 8, one thread:
 * 16 GFLOP/s packing per call, 39 with the panels packed once). The products are bit-identical to
 * matmulTransB's (the same panels, loops and micro-kernel; the same split across threads); the
 * ones gemm would not compute (M = 1, 2: gemvT; tiny ones: JS), or with operands outside the
 * WASM heap, go to matmulTransB on W itself. Costs a second copy of W in the heap (⌈N/8⌉·8 × K floats).
 *
 *   const head = new PackedTransB(w, vocab, hidden, "lm_head");   // w: a heap view of W
 *   head.matmulTransB(x, M, out);                                 // out [M, vocab] = x·Wᵀ
 */
export class PackedTransB {
  private ptr = 0;
  private readonly Npad: number;
  private own: Float32Array;
  /** W's byte address when it is in the heap (views of the heap are re-made after a growth). */
  private readonly wAt: number;

  constructor(w: Float32Array, readonly N: number, readonly K: number, readonly name = "weight") {
    if (!Number.isInteger(N) || !Number.isInteger(K) || N < 1 || K < 1 || w.length < N * K) {
      throw new ShapeError(`PackedTransB ${name}: [${N}, ${K}] needs ${N * K} values, got ${w.length} (and positive integer dims)`);
    }
    this.Npad = Math.ceil(N / gemmBlocks().NR) * gemmBlocks().NR;
    this.own = w;
    this.wAt = wasm !== null && w.buffer === memoryBuffer() ? w.byteOffset : -1;
    // Without the WASM kernels, or for a W outside the heap, products simply go to matmulTransB.
    if (this.wAt < 0) return;
    this.ptr = heap.alloc(this.Npad * K, { zero: false, what: `packed ${name}` });
    wasm!.gemm.packBT(this.wAt, N, K, this.ptr);
  }

  /** W itself (a current view when it lives in the heap: re-made only after the heap grew). */
  get w(): Float32Array {
    if (this.wAt >= 0 && this.own.buffer !== memoryBuffer()) this.own = new Float32Array(memoryBuffer(), this.wAt, this.N * this.K);
    return this.own;
  }

  /** Bytes of the packed copy (0 when there is none). */
  get byteLength(): number {
    return this.ptr === 0 ? 0 : this.Npad * this.K * 4;
  }

  /** out [M, N] = beta·out + alpha·x [M, K]·Wᵀ, bit-identical to matmulTransB(x, w, M, K, N, out, alpha, beta). */
  matmulTransB(x: Float32Array, M: number, out: Float32Array = new Float32Array(M * this.N), alpha = 1, beta = 0): Float32Array {
    const { N, K } = this;
    const buffer = memoryBuffer();
    if (this.ptr === 0 || wasm === null || !wasmEnabled() || M * K * N < WASM_MIN_MACS || !routesToGemm(NT, M, K, N) || x.buffer !== buffer || out.buffer !== buffer || x.length < M * K || out.length < M * N) {
      return matmulTransB(x, this.w, M, K, N, out, alpha, beta); // checks the sizes
    }
    // runGemm's split (blocks of NR columns) and scratch layout (packed A, [B panel], tile per job)
    const { each, parts } = gemmScratch(M, K, N);
    const work = reserveScratchHoldingViews(each * parts, () => `PackedTransB ${this.name} [${M}, ${K}, ${N}]`);
    const bounds = splitRange(N, gemmBlocks().NR, Math.ceil(MIN_MACS_PER_THREAD / (M * K)));
    const jobs: number[][] = [];
    for (let t = 0; t + 1 < bounds.length; t++) jobs.push(this.job(x, M, bounds[t]!, bounds[t + 1]!, out, alpha, beta, work + 4 * t * each));
    gemmPackedRef ??= kernelRef("gemm", "gemmPackedB");
    runJobs(gemmPackedRef, jobs);
    return out;
  }

  /**
   * Products of one x [M, K] by several packed weights (a layer's q, k, v; gate and up) as ONE
   * pool round: the products' columns laid end to end and cut into one piece per thread of about
   * equal work (whole NR panels; wasm/matmul-group.ts's cutEvenly), each piece one gemmPackedB job
   * per product it covers. Each element is summed as in its own matmulTransB call (gemm's order
   * does not depend on the columns around it), so the same bits. Returns false, having done
   * nothing, where a product would not take gemmPackedB (then call matmulTransB one by one).
   */
  static matmulTransBGroup(x: Float32Array, M: number, items: readonly { w: PackedTransB; out: Float32Array }[]): boolean {
    const buffer = memoryBuffer();
    const K = items[0]?.w.K ?? 0;
    if (wasm === null || !wasmEnabled() || items.length === 0 || x.buffer !== buffer || x.length < M * K) return false;
    for (const { w, out } of items) {
      if (w.ptr === 0 || w.K !== K || M * K * w.N < WASM_MIN_MACS || !routesToGemm(NT, M, K, w.N) || out.buffer !== buffer || out.length < M * w.N) return false;
    }
    const { NR } = gemmBlocks();
    const cuts: Cuttable[] = items.map(({ w }) => ({ units: w.N, align: NR, cost: M * K, bounds: [] }));
    const total = items.reduce((s, { w }) => s + w.N * M * K, 0);
    cutEvenly(cuts, Math.max(1, Math.min(threadCount(), Math.floor(total / MIN_MACS_PER_THREAD))));
    const each = Math.max(...items.map(({ w }) => gemmScratch(M, K, w.N).each));
    const count = cuts.reduce((s, c) => s + c.bounds.length - 1, 0);
    const work = reserveScratchHoldingViews(each * count, () => `PackedTransB group [${M}, ${K}, ${items.map(({ w }) => w.N).join(" + ")}]`);
    const jobs: number[][] = [];
    items.forEach(({ w, out }, i) => {
      const b = cuts[i]!.bounds;
      for (let t = 0; t + 1 < b.length; t++) jobs.push(w.job(x, M, b[t]!, b[t + 1]!, out, 1, 0, work + 4 * jobs.length * each));
    });
    gemmPackedRef ??= kernelRef("gemm", "gemmPackedB");
    runJobs(gemmPackedRef, jobs);
    return true;
  }

  /** gemmPackedB's arguments for columns [n0, n1) of out = beta·out + alpha·x·Wᵀ, its scratch (packed A, tile) at `ap`. */
  private job(x: Float32Array, M: number, n0: number, n1: number, out: Float32Array, alpha: number, beta: number, ap: number): number[] {
    const { tile } = gemmJobScratch(M, this.K, n1 - n0, ap);
    return [M, n1 - n0, this.K, x.byteOffset, this.K, 1, this.ptr, this.Npad, n0, out.byteOffset + 4 * n0, this.N, alpha, beta, ap, tile];
  }

  /** Frees the packed copy (W itself belongs to its owner). */
  dispose(): void {
    if (this.ptr !== 0) heap.release(this.ptr);
    this.ptr = 0;
  }
}
