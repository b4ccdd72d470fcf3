import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { zeroArrays } from "../src/kernels/elementwise.js";
import { adamStep, adamSteps, type AdamStepOptions } from "../src/kernels/optim.js";
import { heap } from "../src/wasm/heap.js";
import { getThreads, poolRounds, setThreads } from "../src/wasm/pool.js";
import { segmentJobs } from "../src/wasm/segments.js";
import { seededFloats } from "./helpers.js";

/**
 * Many arrays in one kernel-pool round (wasm/segments.ts): the per-thread tables cover every element
 * of every array exactly once; adamSteps gives each parameter adamStep's bits (pinned or not, any
 * length, 1–4 threads); zeroArrays zeroes exactly the arrays it is given.
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
const OPTS: AdamStepOptions = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 4 };

/** Reads the tables segmentJobs wrote: [thread, address, length] per row. */
function rows(jobs: number[][], arity: number): { thread: number; addr: number; n: number }[] {
  const out: { thread: number; addr: number; n: number }[] = [];
  jobs.forEach(([table, count], thread) => {
    const view = new Int32Array(heap.memory.buffer, table!, count! * (arity + 1));
    for (let r = 0; r < count!; r++) out.push({ thread, addr: view[r * (arity + 1)]!, n: view[r * (arity + 1) + arity]! });
  });
  return out;
}

describe("segments", () => {
  it("cover every float of every entry once, in order, cut on multiples of 4, at most one range per thread", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3000 }), (lengths, threads, minPer) => {
        setThreads(threads);
        let at = 1 << 20; // fake addresses: nothing is read or written
        const entries = lengths.map((n) => {
          const e = { addrs: [at], n };
          at += 4 * n + 64;
          return e;
        });
        const jobs = segmentJobs(entries, 1, minPer);
        expect(jobs.length).toBeGreaterThanOrEqual(1);
        expect(jobs.length).toBeLessThanOrEqual(threads);
        const got = rows(jobs, 1);
        // concatenated, the rows are exactly the non-empty entries, split into consecutive pieces
        let r = 0;
        for (const e of entries) {
          let covered = 0;
          while (covered < e.n) {
            const row = got[r++]!;
            expect(row.addr).toBe(e.addrs[0]! + 4 * covered);
            if (covered + row.n < e.n) expect(row.n % 4).toBe(0);
            covered += row.n;
          }
          expect(covered).toBe(e.n);
        }
        expect(r).toBe(got.length);
        // threads take consecutive rows
        for (let i = 1; i < got.length; i++) expect(got[i]!.thread).toBeGreaterThanOrEqual(got[i - 1]!.thread);
      }),
      { numRuns: 200, seed: 3 },
    );
  });
});

describe("adamSteps and zeroArrays", () => {
  const lengths = [70001, 3, 256, 257, 16384, 40000, 131, 1024];

  /** Fresh parameters, grads and moments: pinned (in the heap) for every other one, or all. */
  function state(allPinned = false): { arrays: Float32Array[][]; ptrs: number[] } {
    const ptrs: number[] = [];
    const arrays = lengths.map((n, i) =>
      [0, 1, 2, 3].map((k) => {
        const init = seededFloats(n, 100 * i + k);
        if (k === 3) for (let j = 0; j < n; j++) init[j] = Math.abs(init[j]!);
        if (i % 2 === 1 && !allPinned) return init;
        const ptr = heap.alloc(n);
        ptrs.push(ptr);
        const view = heap.view(ptr, n);
        view.set(init);
        return view;
      }),
    );
    return { arrays, ptrs };
  }

  it("adamSteps = adamStep per parameter, bit for bit, at 1–4 threads; all pinned: one pool round", () => {
    const want = state();
    for (const [p, g, m, v] of want.arrays) adamStep(p!, g!, m!, v!, OPTS);
    const wantBits = want.arrays.map((a) => a.map((x) => bits(x.slice())));
    for (const t of [1, 2, 3, 4]) {
      setThreads(t);
      for (const allPinned of [false, true]) {
        const got = state(allPinned);
        const rounds = poolRounds();
        const pick = (k: number): Float32Array[] => got.arrays.map((a) => a[k]!);
        adamSteps(pick(0), pick(1), pick(2), pick(3), OPTS);
        if (allPinned) expect(poolRounds() - rounds).toBe(t === 1 ? 0 : 1);
        got.arrays.forEach((a, i) =>
          a.forEach((x, k) => {
            const w = wantBits[i]![k]!;
            expect(bits(x).findIndex((b, j) => b !== w[j]), `first differing float of array ${k} of parameter ${i} at ${t} threads`).toBe(-1);
          }),
        );
        for (const ptr of got.ptrs) heap.release(ptr);
      }
    }
    for (const ptr of want.ptrs) heap.release(ptr);
  });

  it("adamSteps refuses lists of different lengths and mismatched arrays, naming the parameter", () => {
    const a = new Float32Array(4);
    expect(() => adamSteps([a], [a, a], [a], [a], OPTS)).toThrow(/adamSteps: params, grads, expAvgs, expAvgSqs must be lists of one length, got 1, 2, 1, 1/);
    expect(() => adamSteps([a], [new Float32Array(3)], [a], [a], OPTS)).toThrow(/adamSteps \[0\]: param, grad, expAvg, expAvgSq must have the same length/);
  });

  it("zeroArrays zeroes pinned and JS arrays, and nothing next to them", () => {
    for (const t of [1, 3]) {
      setThreads(t);
      const guard = 4;
      const blocks = lengths.map((n) => {
        const ptr = heap.alloc(n + 2 * guard);
        heap.view(ptr, n + 2 * guard).fill(7);
        return ptr;
      });
      const js = lengths.map((n) => new Float32Array(n).fill(5));
      zeroArrays([...blocks.map((ptr, i) => heap.view(ptr + 4 * guard, lengths[i]!)), ...js]);
      blocks.forEach((ptr, i) => {
        const all = heap.view(ptr, lengths[i]! + 2 * guard);
        expect(all.subarray(0, guard).every((x) => x === 7)).toBe(true);
        expect(all.subarray(guard, guard + lengths[i]!).every((x) => x === 0)).toBe(true);
        expect(all.subarray(guard + lengths[i]!).every((x) => x === 7)).toBe(true);
        heap.release(ptr);
      });
      expect(js.every((a) => a.every((x) => x === 0))).toBe(true);
    }
  });
});
