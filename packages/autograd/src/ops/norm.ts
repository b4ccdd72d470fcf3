import { Tensor, ShapeError, kernels } from "@mini/tensor";
import { gradOf, record } from "../tape.js";
import type { Variable } from "../variable.js";
import { fmt, needRank } from "../shape-check.js";

/**
 * layerNorm and rmsNorm over the last axis, x [..., C] with weight [C] (and bias [C]).
 * The forward kernels save the per-row statistics (mean/rstd, rrms: [rows]) and the backward
 * kernels reuse them, so the backward never recomputes the normalisation.
 */

function checkNorm(op: string, x: Variable, weight: Variable, bias: Variable | null): { rows: number; cols: number } {
  needRank(op, "x", x.shape, 1);
  const cols = x.shape[x.shape.length - 1]!;
  const rows = cols === 0 ? 0 : x.size / cols;
  if (weight.rank !== 1 || weight.shape[0] !== cols) {
    throw new ShapeError(`${op}: weight must be [${cols}] for x ${fmt(x.shape)}, got ${fmt(weight.shape)}`);
  }
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== cols)) {
    throw new ShapeError(`${op}: bias must be [${cols}] for x ${fmt(x.shape)}, got ${fmt(bias.shape)}`);
  }
  return { rows, cols };
}

function needEps(op: string, eps: number): void {
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new RangeError(`${op}: eps must be a finite number ≥ 0, got ${eps}`);
}

export interface LayerNormOptions {
  /**
   * Where ε goes: "inside" (default, PyTorch): (x − mean)/√(var + ε);
   * "outside" (RustGPT): (x − mean)/(σ + ε), σ = √(biased variance). One fused kernel pair each.
   */
  epsPlacement?: "inside" | "outside";
}

/** (x − mean)/√(var + eps)·weight (+ bias) per row, biased variance (PyTorch LayerNorm); or /(σ + eps) "outside". */
export function layerNorm(x: Variable, weight: Variable, bias: Variable | null = null, eps = 1e-5, opts: LayerNormOptions = {}): Variable {
  const { rows, cols } = checkNorm("layerNorm", x, weight, bias);
  needEps("layerNorm", eps);
  const outside = opts.epsPlacement === "outside";
  if (!outside && opts.epsPlacement !== undefined && opts.epsPlacement !== "inside") {
    throw new RangeError(`layerNorm: epsPlacement must be "inside" or "outside", got "${String(opts.epsPlacement)}"`);
  }
  const mean = new Float32Array(rows); // [rows]
  const stat = new Float32Array(rows); // [rows]: rstd = 1/√(var + eps) ("inside"), or σ ("outside")
  const b = bias === null ? null : bias.data;
  const out = outside
    ? kernels.layerNormStdEps(x.data, weight.data, b, rows, cols, eps, undefined, mean, stat)
    : kernels.layerNorm(x.data, weight.data, b, rows, cols, eps, undefined, mean, stat);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record("layerNorm", Tensor.from(out, x.shape), inputs, (dy) => {
    // The kernel writes all grads; inputs that need none get throwaway buffers.
    const dx = x.requiresGrad ? gradOf(x) : new Float32Array(x.size);
    const dw = weight.requiresGrad ? gradOf(weight) : new Float32Array(cols);
    const db = bias === null ? null : bias.requiresGrad ? gradOf(bias) : new Float32Array(cols);
    if (outside) kernels.layerNormStdEpsBackward(x.data, weight.data, mean, stat, dy, rows, cols, eps, dx, dw, db);
    else kernels.layerNormBackward(x.data, weight.data, mean, stat, dy, rows, cols, dx, dw, db);
  });
}

/** x/√(mean(x²) + eps)·weight per row (HF LlamaRMSNorm). */
export function rmsNorm(x: Variable, weight: Variable, eps = 1e-5): Variable {
  const { rows, cols } = checkNorm("rmsNorm", x, weight, null);
  needEps("rmsNorm", eps);
  const rrms = new Float32Array(rows); // [rows]
  const out = kernels.rmsNorm(x.data, weight.data, rows, cols, eps, undefined, rrms);
  return record("rmsNorm", Tensor.from(out, x.shape), [x, weight], (dy) => {
    const dx = x.requiresGrad ? gradOf(x) : new Float32Array(x.size);
    const dw = weight.requiresGrad ? gradOf(weight) : new Float32Array(cols);
    kernels.rmsNormBackward(x.data, weight.data, rrms, dy, rows, cols, dx, dw);
  });
}
