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

/** (x − mean)/√(var + eps)·weight (+ bias) per row, biased variance (PyTorch LayerNorm). */
export function layerNorm(x: Variable, weight: Variable, bias: Variable | null = null, eps = 1e-5): Variable {
  const { rows, cols } = checkNorm("layerNorm", x, weight, bias);
  needEps("layerNorm", eps);
  const mean = new Float32Array(rows); // [rows]
  const rstd = new Float32Array(rows); // [rows]
  const out = kernels.layerNorm(x.data, weight.data, bias === null ? null : bias.data, rows, cols, eps, undefined, mean, rstd);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return record("layerNorm", Tensor.from(out, x.shape), inputs, (dy) => {
    // The kernel writes all grads; inputs that need none get throwaway buffers.
    const dx = x.requiresGrad ? gradOf(x) : new Float32Array(x.size);
    const dw = weight.requiresGrad ? gradOf(weight) : new Float32Array(cols);
    const db = bias === null ? null : bias.requiresGrad ? gradOf(bias) : new Float32Array(cols);
    kernels.layerNormBackward(x.data, weight.data, mean, rstd, dy, rows, cols, dx, dw, db);
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
