/** Bench weights and activations: uniform in ±0.05 from mini's seeded generator (same values every run). */
import type { Rng } from "../src/random.js";

export function randomWeights(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.uniform() - 0.5) * 0.1;
  return a;
}
