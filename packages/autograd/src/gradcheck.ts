import { type Tensor, createRng, type Rng } from "@mini/tensor";
import { noGrad } from "./no-grad.js";
import { Variable } from "./variable.js";

/**
 * Finite-difference gradient check: analytic gradients from backward() against finite differences.
 *
 * Non-scalar outputs: both sides differentiate the scalar L = Σ_i out_i·r_i for a fixed, seeded
 * random r (a random projection), so every output element is checked at once: the analytic side
 * is one backward with seed r, the numeric side perturbs one input element at a time.
 *
 * Why these defaults (float32 everywhere in the engine):
 * - Step. h = eps·max(1, |x|), eps = 1e-2. The central difference D(h) = (L(x⁺) − L(x⁻))/(x⁺ − x⁻)
 *   has truncation error h²·L'''/6 (≈1e-4 relative here), so by default it is Richardson-
 *   extrapolated: (4·D(h) − D(2h))/3 cancels the h² term (error O(h⁴)), leaving rounding: each L
 *   carries ≈ ε₃₂ × |terms that depend on x_j|, divided by the step, ~1e-5 relative for O(1)
 *   values (a smaller h would multiply it). x⁺ − x⁻ is the step actually taken after rounding
 *   x ± h to float32, and L is summed in float64, so neither adds error of its own.
 * - Tolerance. An element passes when |a − n| ≤ atol + floor + rtol·max(|a|, |n|), rtol = 1e-2,
 *   atol = 1e-3 (gradients near 0, where only absolute error means anything), and floor the
 *   rounding floor of the float32 outputs themselves (see below; it matters for big reductions).
 *   Over the op suite the worst element uses ≤ ~2% of its tolerance; the rest is margin for
 *   deeper compositions (nn, llm). A gradient 5% off, or missing a constant factor, fails.
 * - Kinks. The stencil samples x ± 2h: a kink (relu at 0, max with near-ties) within 2h of a test
 *   point breaks the comparison; pick points away from kinks (|x| > 0.1, max entries separated).
 *
 * `fn` must be a pure function of its inputs (re-create any Rng inside it): it is evaluated 4 times
 * (stencil 5) or twice (stencil 3) per checked element under noGrad, plus once with recording.
 */

/** float32 machine epsilon, 2⁻²³. */
const F32_EPS = 1.1920928955078125e-7;

export interface GradCheckOptions {
  /** Relative step: h = eps·max(1, |x|). Default 1e-2. */
  eps?: number;
  /** Absolute tolerance. Default 1e-3. */
  atol?: number;
  /** Relative tolerance. Default 1e-2. */
  rtol?: number;
  /** Seed of the projection r and of the element sample. Default 0. */
  seed?: number;
  /** Check at most this many elements per input (a seeded random subset). Default 256. */
  maxPerInput?: number;
  /** 5 (default): Richardson-extrapolated central differences, error O(h⁴), 4 evaluations per element;
   *  3: plain central difference, error O(h²), 2 evaluations. */
  stencil?: 3 | 5;
  /** Indices of the inputs to check (default: all). */
  wrt?: readonly number[];
}

export interface GradCheckWorst {
  /** Which input (index into `inputs`) and which element (row-major index). */
  input: number;
  index: number;
  analytic: number;
  numeric: number;
  /** The allowed |analytic − numeric| at this element (atol + rounding floor + rtol·magnitude). */
  tolerance: number;
}

export interface GradCheckResult {
  /** Every checked element within atol + rtol·max(|analytic|, |numeric|). */
  ok: boolean;
  maxAbsError: number;
  /** Largest |a − n| / max(|a|, |n|) over elements whose gradient magnitude exceeds atol. */
  maxRelError: number;
  /** The element closest to (or furthest past) its tolerance; null if nothing was checked. */
  worst: GradCheckWorst | null;
  /** Number of elements compared. */
  checked: number;
}

/** Σ out_i·r_i in float64, and Σ |out_i·r_i| (the scale of its float32 rounding error). */
function project(out: Variable, r: Float32Array): { value: number; magnitude: number } {
  const d = out.data;
  let s = 0;
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    const t = d[i]! * r[i]!;
    s += t;
    m += Math.abs(t);
  }
  return { value: s, magnitude: m };
}

/** Up to k distinct indices of [0, n), seeded (all of them, in order, when n ≤ k). */
function sampleIndices(n: number, k: number, rng: Rng): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= k) return all;
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, k).sort((a, b) => a - b);
}

export function gradCheck(fn: (...xs: Variable[]) => Variable, inputs: readonly Tensor[], opts: GradCheckOptions = {}): GradCheckResult {
  const eps = opts.eps ?? 1e-2;
  const atol = opts.atol ?? 1e-3;
  const rtol = opts.rtol ?? 1e-2;
  const maxPerInput = opts.maxPerInput ?? 256;
  const stencil = opts.stencil ?? 5;
  const rng = createRng(opts.seed ?? 0);
  const wrt = opts.wrt ?? inputs.map((_, i) => i);
  for (const i of wrt) {
    if (!Number.isInteger(i) || i < 0 || i >= inputs.length) throw new RangeError(`gradCheck: wrt index ${i} is not an input (have ${inputs.length})`);
  }

  // Our own JS-heap copies, perturbed in place below.
  const params = inputs.map((t, i) => Variable.param(t.clone(), `input ${i}`));
  const out = fn(...params);
  if (!(out instanceof Variable)) throw new TypeError("gradCheck: fn must return a Variable");
  const r = new Float32Array(out.size);
  for (let i = 0; i < r.length; i++) r[i] = rng.normal();
  if (out.requiresGrad) out.backward(r);
  // Rounding floor: each output is a float32 (relative rounding ≤ 2⁻²⁴), so L = Σ out·r is only
  // known to ±2⁻²⁴·Σ|out·r| per evaluation; a difference quotient over a step of 2h inherits
  // ≈ 2⁻²³·Σ|out·r| / 2h (×1.5 for the 5-point stencil). It matters for big reductions
  // (a sum of thousands of terms is a large float32 with a coarse ulp) and is added to atol.
  const magnitude = project(out, r).magnitude;

  const evaluate = (): number => noGrad(() => project(fn(...params), r).value);
  let maxAbsError = 0;
  let maxRelError = 0;
  let worstScore = -1;
  let worst: GradCheckWorst | null = null;
  let checked = 0;
  let ok = true;

  for (const input of wrt) {
    const p = params[input]!;
    const x = p.data;
    const g = p.grad?.data ?? null;
    for (const index of sampleIndices(x.length, maxPerInput, rng)) {
      const x0 = x[index]!;
      const h = eps * Math.max(1, Math.abs(x0));
      const at = (v: number): number => {
        x[index] = v;
        return evaluate();
      };
      // Steps as actually taken after rounding x ± h to float32.
      const xp = Math.fround(x0 + h);
      const xm = Math.fround(x0 - h);
      const central = (at(xp) - at(xm)) / (xp - xm);
      let numeric = central;
      if (stencil === 5) {
        const xp2 = Math.fround(x0 + 2 * h);
        const xm2 = Math.fround(x0 - 2 * h);
        const wide = (at(xp2) - at(xm2)) / (xp2 - xm2);
        numeric = (4 * central - wide) / 3; // Richardson: cancels the h² term
      }
      x[index] = x0;
      const analytic = g === null ? 0 : g[index]!;
      const err = Math.abs(analytic - numeric);
      const mag = Math.max(Math.abs(analytic), Math.abs(numeric));
      const floor = ((stencil === 5 ? 1.5 : 1) * F32_EPS * magnitude) / (2 * h);
      const tolerance = atol + floor + rtol * mag;
      const score = err / tolerance;
      checked++;
      if (!(score <= 1)) ok = false; // also catches NaN
      if (err > maxAbsError || Number.isNaN(err)) maxAbsError = err;
      if (mag > atol && err / mag > maxRelError) maxRelError = err / mag;
      if (score > worstScore || Number.isNaN(score)) {
        worstScore = Number.isNaN(score) ? Infinity : score;
        worst = { input, index, analytic, numeric, tolerance };
      }
    }
  }
  return { ok, maxAbsError, maxRelError, worst, checked };
}
