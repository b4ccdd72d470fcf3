import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { kernels } from "../src/index.js";
import type { AdamStepOptions } from "../src/kernels/optim.js";
import { adamStepReference } from "../src/kernels/optim.reference.js";
import { heap } from "../src/wasm/heap.js";
import { setWasmEnabled } from "../src/wasm/instance.js";
import { wasmAdamStep, type AdamScalars } from "../src/wasm/optim.js";
import { expectClose, seededFloats } from "./helpers.js";

/**
 * adam.wat (through wasmAdamStep) against adamStepReference: random lengths (not multiples of 4,
 * so the scalar tail runs), each operand in the WASM heap (pinned, updated in place) or on the JS
 * heap (copied in and out), Adam (L2) and AdamW (decoupled), several steps so the bias corrections
 * change, and a different gradient each step.
 */

const blocks: number[] = [];
afterEach(() => {
  while (blocks.length > 0) heap.release(blocks.pop()!);
});

/**
 * An operand that lives across steps: a JS array, or a heap block whose view is made afresh at each
 * use (a call with copied operands may grow the memory, which detaches older views).
 */
function operand(src: Float32Array, pinned: boolean): () => Float32Array {
  if (!pinned) {
    const a = src.slice();
    return () => a;
  }
  const ptr = heap.alloc(src.length);
  blocks.push(ptr);
  heap.view(ptr, src.length).set(src);
  return () => heap.view(ptr, src.length);
}

/** The scalars kernels.adamStep hands to the WASM kernel, computed as it does (float64). */
function scalars(o: AdamStepOptions): AdamScalars {
  return {
    beta1: o.beta1,
    beta2: o.beta2,
    c1: 1 - o.beta1,
    c2: 1 - o.beta2,
    stepSize: o.lr / (1 - Math.pow(o.beta1, o.step)),
    invBc2Sqrt: 1 / Math.sqrt(1 - Math.pow(o.beta2, o.step)),
    eps: o.eps,
    l2: o.decoupled ? 0 : o.weightDecay,
    decay: o.decoupled ? 1 - o.lr * o.weightDecay : 1,
  };
}

const maxAbs = (a: Float32Array): number => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/**
 * got ≈ want, float32 against float64-then-float32: rtol 2e-6 (a few ulp), plus an absolute 1e-6 of
 * the array's largest magnitude for elements where β·m and (1 − β)·g nearly cancel (there the float32
 * roundings of the two terms are all that is left).
 */
function expectAdamClose(got: Float32Array, want: Float32Array): void {
  expectClose(got, want, 1e-6 * maxAbs(want), 2e-6);
}

const hyper = fc.record({
  lr: fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
  beta1: fc.double({ min: 0, max: 0.99, noNaN: true }),
  beta2: fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
  eps: fc.constantFrom(1e-8, 1e-6),
  weightDecay: fc.constantFrom(0, 0.01, 0.1),
  decoupled: fc.boolean(),
});

/**
 * The parameters after several steps: each step's float32 rounding of p − update is a few ulp of
 * |p| + |update| at that step, and those errors add up, so where the updates carry p through zero
 * the result is tiny but its error is not. Tolerance per element: rtol of the magnitudes it passed
 * through (`passed`, summed over the steps so far) — a wrong scalar (step size, bias correction)
 * still moves p by far more.
 */
function expectParamsClose(got: Float32Array, want: Float32Array, passed: Float64Array): void {
  for (let i = 0; i < want.length; i++) {
    const tol = 2e-6 * passed[i]!;
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) expect.fail(`p[${i}]: got ${got[i]}, expected ${want[i]} (tol ${tol}: 2e-6 of the magnitudes it passed through)`);
  }
}

/** Runs `steps` Adam steps on both sides from the same seeded state and compares after each. */
function checkSteps(n: number, seed: number, pinned: readonly boolean[], h: Omit<AdamStepOptions, "step">, steps: number): void {
  const p0 = seededFloats(n, seed, 2), g0 = seededFloats(n, seed + 1, 1), m0 = seededFloats(n, seed + 2, 0.1);
  const v0 = m0.map((x) => x * x * 2);
  const [p, g, m, v] = [p0, g0, m0, v0].map((a, i) => operand(a, pinned[i]!));
  const [rp, rm, rv] = [p0.slice(), m0.slice(), v0.slice()];
  const passed = new Float64Array(n); // Σ over steps of |p before| + |update|
  for (let step = 1; step <= steps; step++) {
    const o = { ...h, step };
    const grad = g0.map((x, i) => x * step - 0.3 * Math.sin(i + step)); // a different gradient each step
    g().set(grad);
    wasmAdamStep(p(), g(), m(), v(), scalars(o));
    const before = rp.slice();
    adamStepReference(rp, grad, rm, rv, o);
    for (let i = 0; i < n; i++) passed[i] += Math.abs(before[i]!) + Math.abs(rp[i]! - before[i]!);
    expectAdamClose(m(), rm);
    expectAdamClose(v(), rv);
    expectParamsClose(p(), rp, passed);
    expect(g().every((x, i) => x === grad[i])).toBe(true); // the gradient is only read
  }
}

describe("WASM adamStep equals the reference", () => {
  it("Adam and AdamW over 4 steps, lengths 1..1000, each operand pinned or not", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()),
        hyper,
        (n, seed, pinned, h) => checkSteps(n, seed, pinned, h, 4),
      ),
      { numRuns: 80 },
    );
  });

  it("100,003 parameters, pinned and not, Adam with L2 and AdamW, 3 steps", () => {
    const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    checkSteps(100_003, 11, [true, true, true, true], { ...h, decoupled: true }, 3);
    checkSteps(100_003, 12, [false, false, false, false], { ...h, decoupled: false }, 3);
  });

  it("first step moves each parameter by lr·sign(g) in the vector lanes and the tail", () => {
    const n = 7; // one f32x4 vector and a 3-element tail
    const p = Float32Array.from({ length: n }, (_, i) => i - 3);
    const g = Float32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 0.5 : -0.25) * (i + 1));
    wasmAdamStep(p, g, new Float32Array(n), new Float32Array(n),
      scalars({ lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 }));
    expectClose(p, Array.from({ length: n }, (_, i) => i - 3 - 0.1 * Math.sign(g[i]!)), 1e-6, 0);
  });
});

describe("kernels.adamStep dispatch", () => {
  const o: AdamStepOptions = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, decoupled: false, step: 3 };

  /** kernels.adamStep's parameter after one step from a seeded state of n elements. */
  function kernelParam(n: number): Float32Array {
    const p = seededFloats(n, 5, 2), g = seededFloats(n, 6, 1), m = seededFloats(n, 7, 0.1), v = m.map((x) => x * x);
    kernels.adamStep(p, g, m, v, o);
    return p;
  }

  /** wasmAdamStep's parameter after the same step. */
  function wasmParam(n: number): Float32Array {
    const p = seededFloats(n, 5, 2), g = seededFloats(n, 6, 1), m = seededFloats(n, 7, 0.1), v = m.map((x) => x * x);
    wasmAdamStep(p, g, m, v, scalars(o));
    return p;
  }

  it("takes the WASM kernel from 256 elements (bit-identical to it), the JS loop when WASM is off", () => {
    expect(kernelParam(256)).toEqual(wasmParam(256));
    expect(kernelParam(1001)).toEqual(wasmParam(1001));
    const previous = setWasmEnabled(false);
    try {
      // The JS loop rounds once from float64: on 1001 elements some of them differ from float32 in the last bit.
      expect(kernelParam(1001)).not.toEqual(wasmParam(1001));
    } finally {
      setWasmEnabled(previous);
    }
  });
});
