import fc from "fast-check";
import { expect } from "vitest";
import { Tensor, createRng, type Rng } from "@mini/tensor";
import { gradCheck, type GradCheckOptions, type Variable } from "../src/index.js";

/** Shared test helpers: random shapes and tensors, and a gradCheck assertion with a useful message. */

/** Shapes of rank minRank..maxRank with dims 1..maxDim. */
export function shapeArb(minRank = 1, maxRank = 4, maxDim = 7): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

export const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** Uniform values in [lo, hi). */
export function uniform(shape: readonly number[], rng: Rng, lo = -2, hi = 2): Tensor {
  return Tensor.rand(shape, rng, lo, hi);
}

/** Uniform magnitudes in [lo, hi) with random signs: keeps values away from 0 (kinks, division). */
export function awayFromZero(shape: readonly number[], rng: Rng, lo = 0.5, hi = 2): Tensor {
  const t = Tensor.rand(shape, rng, lo, hi);
  const d = t.data;
  for (let i = 0; i < d.length; i++) if (rng.uniform() < 0.5) d[i] = -d[i]!;
  return t;
}

export function rngOf(seed: number): Rng {
  return createRng(seed);
}

/** Asserts that gradCheck passes, printing the worst element on failure. */
export function expectGradOk(fn: (...xs: Variable[]) => Variable, inputs: readonly Tensor[], opts: GradCheckOptions = {}): void {
  const r = gradCheck(fn, inputs, { maxPerInput: 64, ...opts });
  if (!r.ok) {
    const shapes = inputs.map((t) => `[${t.shape.join(", ")}]`).join(", ");
    expect.fail(`gradCheck failed for inputs ${shapes}: ${JSON.stringify(r)}`);
  }
  expect(r.checked).toBeGreaterThan(0);
}

/** Array close-ness with a message naming the first bad index. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) expect.fail(`index ${i}: got ${a}, expected ${e} (tol ${tol})`);
  }
}

/** A broadcast-compatible smaller shape: some dims set to 1, some leading dims dropped. */
export function broadcastPartner(shape: readonly number[], rng: Rng): number[] {
  const drop = rng.int(shape.length + 1);
  return shape.slice(drop).map((d) => (rng.uniform() < 0.5 ? 1 : d));
}

export const FAST = { numRuns: 20 } as const;
