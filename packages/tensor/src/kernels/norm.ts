import { ShapeError } from "../errors.js";
import { needDims, needLength, outArray } from "./check.js";
import { useWasm } from "../wasm/instance.js";
import {
  wasmLayerNorm, wasmLayerNormBackward, wasmLayerNormStdEps, wasmLayerNormStdEpsBackward, wasmRmsNorm, wasmRmsNormBackward,
} from "../wasm/norm.js";

/**
 * Row normalizations over x: [rows, cols] with per-column weight (and bias): float64 statistics,
 * float32 storage. layerNorm puts eps under the root (PyTorch), layerNormStdEps adds it to σ (RustGPT). Forward kernels optionally save the per-row statistics the backward needs
 * (layerNorm: mean, rstd; rmsNorm: rrms = 1/√(mean(x²)+eps)); backward kernels ACCUMULATE.
 * out may equal x. References: norm.reference.ts.
 */

function checkRows(op: string, x: Float32Array, weight: Float32Array, rows: number, cols: number): void {
  needDims(op, { rows, cols });
  needLength(op, "x", x, rows * cols);
  if (weight.length !== cols) throw new ShapeError(`${op}: weight has ${weight.length} elements, expected cols = ${cols}`);
}

/** (x − mean)/√(var + eps)·weight + bias per row, biased variance (PyTorch LayerNorm). */
export function layerNorm(
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  rows: number,
  cols: number,
  eps: number,
  out?: Float32Array,
  mean?: Float32Array,
  rstd?: Float32Array,
): Float32Array {
  checkRows("layerNorm", x, weight, rows, cols);
  if (bias !== null && bias.length !== cols) throw new ShapeError(`layerNorm: bias has ${bias.length} elements, expected ${cols}`);
  if (mean) needLength("layerNorm", "mean", mean, rows);
  if (rstd) needLength("layerNorm", "rstd", rstd, rows);
  const o = outArray("layerNorm", out, rows * cols);
  if (useWasm(rows * cols, 64)) return wasmLayerNorm(x, weight, bias, rows, cols, eps, o, mean, rstd);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += x[base + j]!;
    const m = sum / cols;
    let ss = 0; // two-pass variance: no cancellation when |mean| ≫ std
    for (let j = 0; j < cols; j++) {
      const d = x[base + j]! - m;
      ss += d * d;
    }
    const s = 1 / Math.sqrt(ss / cols + eps);
    if (bias === null) {
      for (let j = 0; j < cols; j++) o[base + j] = (x[base + j]! - m) * s * weight[j]!;
    } else {
      for (let j = 0; j < cols; j++) o[base + j] = (x[base + j]! - m) * s * weight[j]! + bias[j]!;
    }
    if (mean) mean[r] = m;
    if (rstd) rstd[r] = s;
  }
  return o;
}

/** Backward of layerNorm (llm.c layernorm_backward); accumulates into dx, dweight, dbias. */
export function layerNormBackward(
  x: Float32Array,
  weight: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array,
  dweight: Float32Array,
  dbias: Float32Array | null,
): void {
  checkRows("layerNormBackward", x, weight, rows, cols);
  needLength("layerNormBackward", "dy", dy, rows * cols);
  needLength("layerNormBackward", "dx", dx, rows * cols);
  needLength("layerNormBackward", "mean", mean, rows);
  needLength("layerNormBackward", "rstd", rstd, rows);
  needLength("layerNormBackward", "dweight", dweight, cols);
  if (dbias) needLength("layerNormBackward", "dbias", dbias, cols);
  if (useWasm(rows * cols, 64)) return wasmLayerNormBackward(x, weight, mean, rstd, dy, rows, cols, dx, dweight, dbias);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const m = mean[r]!;
    const s = rstd[r]!;
    let sumDn = 0;
    let sumDnN = 0;
    for (let j = 0; j < cols; j++) {
      const dn = dy[base + j]! * weight[j]!;
      sumDn += dn;
      sumDnN += dn * (x[base + j]! - m) * s;
    }
    const meanDn = sumDn / cols;
    const meanDnN = sumDnN / cols;
    for (let j = 0; j < cols; j++) {
      const g = dy[base + j]!;
      const nhat = (x[base + j]! - m) * s;
      dweight[j] += g * nhat;
      dx[base + j] += s * (g * weight[j]! - meanDn - nhat * meanDnN);
    }
    if (dbias) for (let j = 0; j < cols; j++) dbias[j] += dy[base + j]!;
  }
}

/**
 * RustGPT's LayerNorm: (x − mean)/(σ + eps)·weight + bias per row, σ = √(biased variance): ε is
 * added to the standard deviation, not to the variance under the root (nn's `epsPlacement:
 * "outside"`). Saves mean and σ itself (std [rows]) for the backward when given.
 * One WASM call covers all rows (a [80, 128] batch runs ~5× faster there), so it dispatches like layerNorm.
 */
export function layerNormStdEps(
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  rows: number,
  cols: number,
  eps: number,
  out?: Float32Array,
  mean?: Float32Array,
  std?: Float32Array,
): Float32Array {
  checkRows("layerNormStdEps", x, weight, rows, cols);
  if (bias !== null && bias.length !== cols) throw new ShapeError(`layerNormStdEps: bias has ${bias.length} elements, expected ${cols}`);
  if (mean) needLength("layerNormStdEps", "mean", mean, rows);
  if (std) needLength("layerNormStdEps", "std", std, rows);
  const o = outArray("layerNormStdEps", out, rows * cols);
  if (useWasm(rows * cols, 64)) return wasmLayerNormStdEps(x, weight, bias, rows, cols, eps, o, mean, std);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += x[base + j]!;
    const m = sum / cols;
    let ss = 0; // two-pass variance, as layerNorm
    for (let j = 0; j < cols; j++) {
      const d = x[base + j]! - m;
      ss += d * d;
    }
    const sigma = Math.sqrt(ss / cols);
    const s = 1 / (sigma + eps);
    if (bias === null) {
      for (let j = 0; j < cols; j++) o[base + j] = (x[base + j]! - m) * s * weight[j]!;
    } else {
      for (let j = 0; j < cols; j++) o[base + j] = (x[base + j]! - m) * s * weight[j]! + bias[j]!;
    }
    if (mean) mean[r] = m;
    if (std) std[r] = sigma;
  }
  return o;
}

/**
 * Backward of layerNormStdEps; accumulates into dx, dweight, dbias. With c = x − mean,
 * s = 1/(σ + eps), n̂ = c·s and dn̂ = dy·weight, per row:
 *   dx = s·(dn̂ − mean(dn̂)) − n̂·mean(dn̂·n̂)/σ
 * (layerNormBackward has s in place of 1/σ: there ∂s/∂x comes from √(var + eps), here from σ alone).
 * A constant row (σ = 0, so n̂ = 0) gets only the first term.
 */
export function layerNormStdEpsBackward(
  x: Float32Array,
  weight: Float32Array,
  mean: Float32Array,
  std: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
  eps: number,
  dx: Float32Array,
  dweight: Float32Array,
  dbias: Float32Array | null,
): void {
  const op = "layerNormStdEpsBackward";
  checkRows(op, x, weight, rows, cols);
  needLength(op, "dy", dy, rows * cols);
  needLength(op, "dx", dx, rows * cols);
  needLength(op, "mean", mean, rows);
  needLength(op, "std", std, rows);
  needLength(op, "dweight", dweight, cols);
  if (dbias) needLength(op, "dbias", dbias, cols);
  if (useWasm(rows * cols, 64)) return wasmLayerNormStdEpsBackward(x, weight, mean, std, dy, rows, cols, eps, dx, dweight, dbias);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const m = mean[r]!;
    const sigma = std[r]!;
    const s = 1 / (sigma + eps);
    let sumDn = 0;
    let sumDnN = 0;
    for (let j = 0; j < cols; j++) {
      const dn = dy[base + j]! * weight[j]!;
      sumDn += dn;
      sumDnN += dn * (x[base + j]! - m) * s;
    }
    const meanDn = sumDn / cols;
    const k = sigma > 0 ? sumDnN / cols / sigma : 0; // mean(dn̂·n̂)/σ
    for (let j = 0; j < cols; j++) {
      const g = dy[base + j]!;
      const nhat = (x[base + j]! - m) * s;
      dweight[j] += g * nhat;
      dx[base + j] += s * (g * weight[j]! - meanDn) - nhat * k;
    }
    if (dbias) for (let j = 0; j < cols; j++) dbias[j] += dy[base + j]!;
  }
}

/** x/√(mean(x²) + eps)·weight per row (HF LlamaRMSNorm). */
export function rmsNorm(
  x: Float32Array,
  weight: Float32Array,
  rows: number,
  cols: number,
  eps: number,
  out?: Float32Array,
  rrms?: Float32Array,
): Float32Array {
  checkRows("rmsNorm", x, weight, rows, cols);
  if (rrms) needLength("rmsNorm", "rrms", rrms, rows);
  const o = outArray("rmsNorm", out, rows * cols);
  if (useWasm(rows * cols, 64)) return wasmRmsNorm(x, weight, rows, cols, eps, o, rrms);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let ss = 0;
    for (let j = 0; j < cols; j++) {
      const v = x[base + j]!;
      ss += v * v;
    }
    const s = 1 / Math.sqrt(ss / cols + eps);
    for (let j = 0; j < cols; j++) o[base + j] = x[base + j]! * s * weight[j]!;
    if (rrms) rrms[r] = s;
  }
  return o;
}

/** Backward of rmsNorm: dx_j += s·w_j·dy_j − x_j·s³/n·Σ_k dy_k·w_k·x_k,  dweight_j += dy_j·x_j·s. */
export function rmsNormBackward(
  x: Float32Array,
  weight: Float32Array,
  rrms: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array,
  dweight: Float32Array,
): void {
  checkRows("rmsNormBackward", x, weight, rows, cols);
  needLength("rmsNormBackward", "dy", dy, rows * cols);
  needLength("rmsNormBackward", "dx", dx, rows * cols);
  needLength("rmsNormBackward", "rrms", rrms, rows);
  needLength("rmsNormBackward", "dweight", dweight, cols);
  if (useWasm(rows * cols, 64)) return wasmRmsNormBackward(x, weight, rrms, dy, rows, cols, dx, dweight);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const s = rrms[r]!;
    let dot = 0;
    for (let k = 0; k < cols; k++) dot += dy[base + k]! * weight[k]! * x[base + k]!;
    const c = (s * s * s * dot) / cols;
    for (let j = 0; j < cols; j++) {
      const g = dy[base + j]!;
      const v = x[base + j]!;
      dweight[j] += g * v * s;
      dx[base + j] += s * weight[j]! * g - v * c;
    }
  }
}
