import { ShapeError } from "../errors.js";
import { useWasm } from "../wasm/instance.js";
import { memoryBuffer } from "../wasm/scratch.js";
import { wasmAdamStep, wasmAdamSteps, type AdamScalars } from "../wasm/optim.js";
import type { SegmentEntry } from "../wasm/segments.js";

/**
 * Optimizer update kernels: one fused, in-place pass over a parameter and its state, no temporaries.
 * Reference: optim.reference.ts.
 *
 * adamStep is PyTorch's Adam/AdamW update (torch.optim, single-tensor path), step t ≥ 1:
 *   g ← g + wd·p                (Adam: L2 penalty in the gradient)
 *   p ← p·(1 − lr·wd)           (AdamW: decoupled decay, before the Adam step)
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 * Arithmetic in float64, stored as float32; the update uses the stored (float32) moments, as
 * PyTorch's in-place ops do.
 *
 * Cost: per element one square root and one division, which at ~0.5M parameters (RustGPT) is about
 * 2 ms of scalar JS: the loop is bound by the divider unit, not by memory. From 256 elements the
 * WASM SIMD kernel (src/wasm/adam.wat: f32x4.sqrt/div, float32 throughout, so a few ulp from this
 * loop) takes over: ~0.3 ms for the same work in place (pinned); when the arrays must be copied
 * into WASM memory and back it is as fast as this loop at 256 elements and ~3× faster from 4096 (measured).
 */

export interface AdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Adam: L2 penalty added to the gradient; AdamW: decoupled decay rate. */
  weightDecay: number;
  /** true: AdamW's decoupled decay p ← p·(1 − lr·wd); false: Adam's L2 term in the gradient. */
  decoupled: boolean;
  /** The 1-based step number t (bias corrections 1 − β1ᵗ, 1 − β2ᵗ). */
  step: number;
}

function checkAdam(op: string, param: Float32Array, grad: Float32Array, expAvg: Float32Array, expAvgSq: Float32Array, step: number): void {
  const n = param.length;
  if (grad.length !== n || expAvg.length !== n || expAvgSq.length !== n) {
    throw new ShapeError(`${op}: param, grad, expAvg, expAvgSq must have the same length, got ${n}, ${grad.length}, ${expAvg.length}, ${expAvgSq.length}`);
  }
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`${op}: step must be an integer ≥ 1, got ${step}`);
}

/** The step's scalars, in float64 (see AdamScalars). */
function adamScalars(o: AdamStepOptions): AdamScalars {
  const { beta1, beta2, eps } = o;
  const stepSize = o.lr / (1 - Math.pow(beta1, o.step));
  // 1/√(1 − β2ᵗ), so the loop multiplies: a second division per element would cost ~15% more.
  const invBc2Sqrt = 1 / Math.sqrt(1 - Math.pow(beta2, o.step));
  const l2 = o.decoupled ? 0 : o.weightDecay;
  const decay = o.decoupled ? 1 - o.lr * o.weightDecay : 1;
  return { beta1, beta2, c1: 1 - beta1, c2: 1 - beta2, stepSize, invBc2Sqrt, eps, l2, decay };
}

/** One Adam (or AdamW) update of `param` in place, updating the moments expAvg (m) and expAvgSq (v). */
export function adamStep(param: Float32Array, grad: Float32Array, expAvg: Float32Array, expAvgSq: Float32Array, o: AdamStepOptions): void {
  checkAdam("adamStep", param, grad, expAvg, expAvgSq, o.step);
  const s = adamScalars(o);
  const { beta1, beta2, c1, c2, stepSize, invBc2Sqrt, eps, l2, decay } = s;
  const n = param.length;
  if (useWasm(n, 256)) return wasmAdamStep(param, grad, expAvg, expAvgSq, s);
  for (let j = 0; j < n; j++) {
    const p = param[j]!;
    const g = grad[j]! + l2 * p;
    // fround: the update below uses the float32 moments that are stored
    const m = Math.fround(beta1 * expAvg[j]! + c1 * g);
    const v = Math.fround(beta2 * expAvgSq[j]! + c2 * g * g);
    expAvg[j] = m;
    expAvgSq[j] = v;
    param[j] = p * decay - (stepSize * m) / (Math.sqrt(v) * invBc2Sqrt + eps);
  }
}

/**
 * adamStep of every parameter i (params[i], grads[i], expAvgs[i], expAvgSqs[i]), each with the
 * bits adamStep gives it. The parameters whose four arrays are in the WASM heap (an optimizer over
 * pinned parameters) and that take adamStep's WASM path go through ONE call split across the
 * kernel pool (wasm/segments.ts), instead of one pool round per parameter; the others run one by one.
 */
export function adamSteps(
  params: readonly Float32Array[], grads: readonly Float32Array[], expAvgs: readonly Float32Array[], expAvgSqs: readonly Float32Array[], o: AdamStepOptions,
): void {
  const count = params.length;
  if (grads.length !== count || expAvgs.length !== count || expAvgSqs.length !== count) {
    throw new ShapeError(`adamSteps: params, grads, expAvgs, expAvgSqs must be lists of one length, got ${count}, ${grads.length}, ${expAvgs.length}, ${expAvgSqs.length}`);
  }
  for (let i = 0; i < count; i++) checkAdam(`adamSteps [${i}]`, params[i]!, grads[i]!, expAvgs[i]!, expAvgSqs[i]!, o.step);
  const buffer = memoryBuffer();
  const entries: SegmentEntry[] = [];
  for (let i = 0; i < count; i++) {
    const p = params[i]!, g = grads[i]!, m = expAvgs[i]!, v = expAvgSqs[i]!;
    const pinned = p.buffer === buffer && g.buffer === buffer && m.buffer === buffer && v.buffer === buffer;
    if (pinned && useWasm(p.length, 256)) entries.push({ addrs: [p.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset], n: p.length });
    else adamStep(p, g, m, v, o);
  }
  // addresses were taken above; wasmAdamSteps may grow the heap (scratch for its tables)
  if (entries.length > 0) wasmAdamSteps(entries, adamScalars(o));
}
