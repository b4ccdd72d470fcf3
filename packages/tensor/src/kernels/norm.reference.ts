/**
 * Readable reference loops for norm.ts (same signatures), float64 throughout.
 * layerNorm: (x − mean)/√(var + eps)·w + b with the biased variance.
 * layerNormStdEps: (x − mean)/(σ + eps)·w + b, σ = √(biased variance) (RustGPT).
 * rmsNorm:   x/√(mean(x²) + eps)·w (HF Llama).
 */

export function layerNormReference(
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  rows: number,
  cols: number,
  eps: number,
  out: Float32Array = new Float32Array(rows * cols),
  mean?: Float32Array,
  rstd?: Float32Array,
): Float32Array {
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < cols; j++) m += x[r * cols + j]!;
    m /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) v += (x[r * cols + j]! - m) ** 2;
    v /= cols;
    const s = 1 / Math.sqrt(v + eps);
    for (let j = 0; j < cols; j++) out[r * cols + j] = (x[r * cols + j]! - m) * s * weight[j]! + (bias ? bias[j]! : 0);
    if (mean) mean[r] = m;
    if (rstd) rstd[r] = s;
  }
  return out;
}

export function layerNormBackwardReference(
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
  for (let r = 0; r < rows; r++) {
    const m = mean[r]!;
    const s = rstd[r]!;
    // n̂ = (x − m)·s;  y = n̂·w + b;  dx = s·(dn̂ − mean(dn̂) − n̂·mean(dn̂·n̂))
    let meanDn = 0;
    let meanDnN = 0;
    for (let j = 0; j < cols; j++) {
      const nhat = (x[r * cols + j]! - m) * s;
      const dn = dy[r * cols + j]! * weight[j]!;
      meanDn += dn / cols;
      meanDnN += (dn * nhat) / cols;
    }
    for (let j = 0; j < cols; j++) {
      const nhat = (x[r * cols + j]! - m) * s;
      const dn = dy[r * cols + j]! * weight[j]!;
      if (dbias) dbias[j] += dy[r * cols + j]!;
      dweight[j] += dy[r * cols + j]! * nhat;
      dx[r * cols + j] += s * (dn - meanDn - nhat * meanDnN);
    }
  }
}

/** RustGPT's LayerNorm: (x − m)/(σ + eps)·w + b, σ = √(biased variance); saves mean and σ. */
export function layerNormStdEpsReference(
  x: Float32Array,
  weight: Float32Array,
  bias: Float32Array | null,
  rows: number,
  cols: number,
  eps: number,
  out: Float32Array = new Float32Array(rows * cols),
  mean?: Float32Array,
  std?: Float32Array,
): Float32Array {
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let j = 0; j < cols; j++) m += x[r * cols + j]!;
    m /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) v += (x[r * cols + j]! - m) ** 2;
    const sigma = Math.sqrt(v / cols);
    for (let j = 0; j < cols; j++) out[r * cols + j] = ((x[r * cols + j]! - m) / (sigma + eps)) * weight[j]! + (bias ? bias[j]! : 0);
    if (mean) mean[r] = m;
    if (std) std[r] = sigma;
  }
  return out;
}

export function layerNormStdEpsBackwardReference(
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
  for (let r = 0; r < rows; r++) {
    const m = mean[r]!;
    const sigma = std[r]!;
    const s = 1 / (sigma + eps);
    // n̂_j = c_j·s, c = x − m, s = 1/(σ + eps), σ = √(Σc²/n):
    //   ∂n̂_j/∂x_k = s·(δ_jk − 1/n) − c_j·s²·c_k/(n·σ)   ⇒   dx = s·(dn̂ − mean(dn̂)) − n̂·mean(dn̂·n̂)/σ
    let meanDn = 0;
    let meanDnN = 0;
    for (let j = 0; j < cols; j++) {
      const nhat = (x[r * cols + j]! - m) * s;
      const dn = dy[r * cols + j]! * weight[j]!;
      meanDn += dn / cols;
      meanDnN += (dn * nhat) / cols;
    }
    for (let j = 0; j < cols; j++) {
      const nhat = (x[r * cols + j]! - m) * s;
      const dn = dy[r * cols + j]! * weight[j]!;
      if (dbias) dbias[j] += dy[r * cols + j]!;
      dweight[j] += dy[r * cols + j]! * nhat;
      dx[r * cols + j] += s * (dn - meanDn) - (sigma > 0 ? (nhat * meanDnN) / sigma : 0);
    }
  }
}

export function rmsNormReference(
  x: Float32Array,
  weight: Float32Array,
  rows: number,
  cols: number,
  eps: number,
  out: Float32Array = new Float32Array(rows * cols),
  rrms?: Float32Array,
): Float32Array {
  for (let r = 0; r < rows; r++) {
    let ms = 0;
    for (let j = 0; j < cols; j++) ms += x[r * cols + j]! ** 2;
    const s = 1 / Math.sqrt(ms / cols + eps);
    for (let j = 0; j < cols; j++) out[r * cols + j] = x[r * cols + j]! * s * weight[j]!;
    if (rrms) rrms[r] = s;
  }
  return out;
}

export function rmsNormBackwardReference(
  x: Float32Array,
  weight: Float32Array,
  rrms: Float32Array,
  dy: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array,
  dweight: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const s = rrms[r]!;
    // y_j = x_j·s·w_j,  s = (Σx²/n + eps)^(-1/2)  ⇒  dx_j = s·w_j·dy_j − x_j·s³/n·Σ_k dy_k·w_k·x_k
    let dot = 0;
    for (let k = 0; k < cols; k++) dot += dy[r * cols + k]! * weight[k]! * x[r * cols + k]!;
    for (let j = 0; j < cols; j++) {
      dweight[j] += dy[r * cols + j]! * x[r * cols + j]! * s;
      dx[r * cols + j] += s * weight[j]! * dy[r * cols + j]! - ((x[r * cols + j]! * s * s * s) / cols) * dot;
    }
  }
}
