import { kernelRef, runJobs, splitRange, type KernelRef } from "./pool.js";
import { inHeap, runInHeap, type Operand } from "./scratch.js";
import { segmentJobs, type SegmentEntry } from "./segments.js";

/**
 * JS side of adam.wat. src/kernels/optim.ts (adamStep) checks the operands, computes the step's
 * scalars in float64 and hands them here, so both paths run one formula on the same numbers
 * (the WASM one in float32: see adam.wat for what that changes).
 */

/** The per-step scalars of an Adam/AdamW update, as adamStep computes them (float64). */
export interface AdamScalars {
  beta1: number;
  beta2: number;
  /** 1 − β1 */
  c1: number;
  /** 1 − β2 */
  c2: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** 1 / √(1 − β2ᵗ) */
  invBc2Sqrt: number;
  eps: number;
  /** Adam's L2 weight decay added to the gradient (0 for AdamW). */
  l2: number;
  /** AdamW's decoupled decay factor 1 − lr·wd (1 for Adam). */
  decay: number;
}

let adamRef: KernelRef | null = null;
let adamStepsRef: KernelRef | null = null;

/** Least parameters worth handing to a thread (one update reads and writes ~16 bytes each). */
const MIN_PER_THREAD = 1 << 14;

/**
 * adamStep on byte addresses, split across the kernel pool by ranges of whole v128s (so every
 * element takes the same SIMD or scalar-tail path as on one thread: bit-identical results).
 */
function adamOnPool(pp: number, pg: number, pm: number, pv: number, n: number, s: AdamScalars): void {
  const { beta1, beta2, c1, c2, stepSize, invBc2Sqrt, eps, l2, decay } = s;
  const bounds = splitRange(n, 4, MIN_PER_THREAD);
  const jobs: number[][] = [];
  for (let t = 0; t + 1 < bounds.length; t++) {
    const i0 = bounds[t]!, off = 4 * i0;
    jobs.push([pp + off, pg + off, pm + off, pv + off, bounds[t + 1]! - i0, beta1, beta2, c1, c2, stepSize, invBc2Sqrt, eps, l2, decay]);
  }
  runJobs((adamRef ??= kernelRef("adam", "adamStep")), jobs);
}
const updated = (array: Float32Array, n: number): Operand => ({ array, n, read: true, write: true });

/** One Adam/AdamW update of param [n] in place, updating expAvg (m) and expAvgSq (v) [n]; grad [n] is read. */
export function wasmAdamStep(param: Float32Array, grad: Float32Array, expAvg: Float32Array, expAvgSq: Float32Array, s: AdamScalars): void {
  const n = param.length;
  if (inHeap(param) && inHeap(grad) && inHeap(expAvg) && inHeap(expAvgSq)) {
    // all pinned (nn's parameters, grads and optimizer slots): straight to the kernel, nothing copied
    adamOnPool(param.byteOffset, grad.byteOffset, expAvg.byteOffset, expAvgSq.byteOffset, n, s);
    return;
  }
  const ops = [updated(param, n), { array: grad, n, read: true, write: false }, updated(expAvg, n), updated(expAvgSq, n)];
  // parameter and moments copied in and back, the gradient only in; result = operand 0 (param)
  const kernel = ([pp, pg, pm, pv]: number[]): void => adamOnPool(pp!, pg!, pm!, pv!, n, s);
  runInHeap(ops, 0, kernel, 0);
}

/**
 * adamStep over many parameters already in the heap (entries: p, g, m, v addresses and n), in one
 * kernel-pool round: the parameters end to end, cut into one range per thread (segments.ts).
 */
export function wasmAdamSteps(entries: readonly SegmentEntry[], s: AdamScalars): void {
  const { beta1, beta2, c1, c2, stepSize, invBc2Sqrt, eps, l2, decay } = s;
  const jobs = segmentJobs(entries, 4, MIN_PER_THREAD).map(([table, count]) => [table!, count!, beta1, beta2, c1, c2, stepSize, invBc2Sqrt, eps, l2, decay]);
  runJobs((adamStepsRef ??= kernelRef("adam", "adamSteps")), jobs);
}
