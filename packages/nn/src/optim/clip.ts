import type { Variable } from "@mini/autograd";
import { ConfigError } from "../errors.js";

/**
 * Scales all gradients together so their global L2 norm (over every parameter, as if concatenated)
 * is at most `maxNorm`, and returns the norm before clipping (torch.nn.utils.clip_grad_norm_).
 * Directions are unchanged: every grad is multiplied by the same factor maxNorm / (norm + 1e-6),
 * applied only when norm > maxNorm. Parameters without a grad are ignored.
 *
 * A non-finite norm (an inf or NaN grad) leaves the grads untouched and is returned, so the caller
 * can skip the step; with `errorIfNonfinite` it throws instead, naming the first bad parameter.
 */
export function clipGradNorm(params: Iterable<Variable>, maxNorm: number, opts: { errorIfNonfinite?: boolean } = {}): number {
  if (!(maxNorm > 0) || Number.isNaN(maxNorm)) throw new ConfigError(`clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const list = [...params];
  let sumSq = 0;
  for (const p of list) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
    if (!Number.isFinite(s) && opts.errorIfNonfinite) {
      throw new ConfigError(`clipGradNorm: the gradient of ${p.label ?? "a parameter"} is not finite (sum of squares ${s})`);
    }
    sumSq += s;
  }
  const norm = Math.sqrt(sumSq);
  if (!Number.isFinite(norm) || norm <= maxNorm) return norm;
  const scale = maxNorm / (norm + 1e-6);
  for (const p of list) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    for (let i = 0; i < g.length; i++) g[i] = g[i]! * scale;
  }
  return norm;
}

/** The global L2 norm of the grads (no change): for logging. */
export function gradNorm(params: Iterable<Variable>): number {
  let sumSq = 0;
  for (const p of params) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    for (let i = 0; i < g.length; i++) sumSq += g[i]! * g[i]!;
  }
  return Math.sqrt(sumSq);
}
