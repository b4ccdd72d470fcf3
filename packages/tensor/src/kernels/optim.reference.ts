import type { AdamStepOptions } from "./optim.js";

/** Readable reference for optim.ts: torch.optim.Adam/AdamW's formulas written out, float64 with float32 moments. */
export function adamStepReference(param: Float32Array, grad: Float32Array, expAvg: Float32Array, expAvgSq: Float32Array, o: AdamStepOptions): void {
  const t = o.step;
  const biasCorrection1 = 1 - o.beta1 ** t;
  const biasCorrection2 = 1 - o.beta2 ** t;
  for (let j = 0; j < param.length; j++) {
    let p = param[j]!;
    let g = grad[j]!;
    if (o.decoupled) p = p * (1 - o.lr * o.weightDecay);
    else g = g + o.weightDecay * param[j]!;
    expAvg[j] = o.beta1 * expAvg[j]! + (1 - o.beta1) * g;
    expAvgSq[j] = o.beta2 * expAvgSq[j]! + (1 - o.beta2) * g * g;
    const denom = Math.sqrt(expAvgSq[j]!) / Math.sqrt(biasCorrection2) + o.eps;
    param[j] = p - (o.lr / biasCorrection1) * (expAvg[j]! / denom);
  }
}
