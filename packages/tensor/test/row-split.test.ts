import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { swiglu } from "../src/kernels/activations.js";
import { swigluReference } from "../src/kernels/activations.reference.js";
import { rmsNorm } from "../src/kernels/norm.js";
import { rmsNormReference } from "../src/kernels/norm.reference.js";
import { softmax } from "../src/kernels/softmax.js";
import { softmaxReference } from "../src/kernels/softmax.reference.js";
import { heap } from "../src/wasm/heap.js";
import { getThreads, poolRounds, setThreads } from "../src/wasm/pool.js";
import { expectClose, seededFloats } from "./helpers.js";

/**
 * Row-split kernels on pinned operands (an inference model's path): rmsNorm and softmax split by
 * rows, swiglu by runs of elements, across the pool; bit-identical for 1–4 threads, odd shapes,
 * and close to the reference loops.
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Runs f on pinned copies of the inputs and a pinned output of n floats; returns a JS copy of the output. */
function pinned(inputs: Float32Array[], n: number, f: (views: Float32Array[], out: Float32Array) => void): Float32Array {
  const ptrs = inputs.map((a) => {
    const p = heap.alloc(a.length);
    heap.view(p, a.length).set(a);
    return p;
  });
  const po = heap.alloc(n);
  f(ptrs.map((p, i) => heap.view(p, inputs[i]!.length)), heap.view(po, n));
  const out = heap.view(po, n).slice();
  for (const p of [...ptrs, po]) heap.release(p);
  return out;
}

const cases = fc.sample(
  fc.record({
    kernel: fc.constantFrom("rmsNorm", "softmax", "swiglu"),
    rows: fc.integer({ min: 1, max: 160 }),
    cols: fc.integer({ min: 1, max: 300 }),
    period: fc.integer({ min: 1, max: 7 }),
    window: fc.constantFrom(0, 3, 50),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  }),
  { numRuns: 24, seed: 3 },
);

/** Attention-scores shape of a softmax case: whole periods of rows, the causal mask (and window). */
function scores(c: (typeof cases)[number]): { rows: number; causal: { offset: number; period: number; window?: number } } {
  const rows = Math.max(c.period, c.rows - (c.rows % c.period));
  return { rows, causal: { offset: Math.max(0, c.cols - c.period), period: c.period, ...(c.window > 0 ? { window: c.window } : {}) } };
}

function run(c: (typeof cases)[number]): Float32Array {
  const n = c.rows * c.cols;
  const x = seededFloats(n, c.seed, 3);
  if (c.kernel === "rmsNorm") return pinned([x, seededFloats(c.cols, c.seed + 1)], n, ([xv, w], o) => rmsNorm(xv!, w!, c.rows, c.cols, 1e-5, o));
  if (c.kernel === "swiglu") return pinned([x, seededFloats(n, c.seed + 1)], n, ([g, u], o) => swiglu(g!, u!, o));
  const { rows, causal } = scores(c); // [heads·seq, keys]: whole periods
  return pinned([seededFloats(rows * c.cols, c.seed, 3)], rows * c.cols, ([xv], o) => softmax(xv!, rows, c.cols, o, causal));
}

function reference(c: (typeof cases)[number]): Float32Array {
  const n = c.rows * c.cols;
  const x = seededFloats(n, c.seed, 3);
  if (c.kernel === "rmsNorm") return rmsNormReference(x, seededFloats(c.cols, c.seed + 1), c.rows, c.cols, 1e-5);
  if (c.kernel === "swiglu") return swigluReference(x, seededFloats(n, c.seed + 1));
  const { rows, causal } = scores(c);
  return softmaxReference(seededFloats(rows * c.cols, c.seed, 3), rows, c.cols, undefined, causal);
}

describe("row-split kernels (rmsNorm, softmax, swiglu) on the pool", () => {
  it("are bit-identical for 1–4 threads and split the big calls", () => {
    const results: Float32Array[][] = [];
    let rounds = 0;
    for (const t of [1, 2, 3, 4]) {
      setThreads(t);
      const before = poolRounds();
      results.push(cases.map(run));
      if (t > 1) rounds += poolRounds() - before;
    }
    expect(rounds).toBeGreaterThan(0);
    cases.forEach((c, i) => {
      for (const r of results.slice(1)) expect(bits(r[i]!), JSON.stringify(c)).toEqual(bits(results[0]![i]!));
      expectClose(results[0]![i]!, reference(c), 1e-5, 1e-4);
    });
  });
});
