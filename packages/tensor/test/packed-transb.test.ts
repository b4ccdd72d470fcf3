import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { matmulTransB } from "../src/kernels/matmul.js";
import { matmulTransBReference } from "../src/kernels/matmul.reference.js";
import { heap } from "../src/wasm/heap.js";
import { getThreads, poolRounds, setThreads } from "../src/wasm/pool.js";
import { PackedTransB } from "../src/wasm/packed-transb.js";
import { seededFloats } from "./helpers.js";

/**
 * PackedTransB (W packed once as gemm's B panels): x·Wᵀ has the bits of matmulTransB on W itself
 * at 1–4 threads, every M (the gemm rows and the gemv ones it hands on), odd shapes, alpha/beta;
 * both are close to the plain reference loop; a group of products of one x is one pool round with
 * each product's bits; bad sizes are refused naming the matrix.
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length).slice();

/** A heap copy of `data` (ptr pushed to `ptrs` for release). */
function pinned(data: Float32Array, ptrs: number[]): Float32Array {
  const ptr = heap.alloc(data.length);
  ptrs.push(ptr);
  const v = heap.view(ptr, data.length);
  v.set(data);
  return v;
}

describe("PackedTransB", () => {
  it("gives matmulTransB's bits (1–4 threads, odd shapes, beta 0 and 1) and the reference's values", () => {
    const cases = fc.sample(
      fc.record({
        M: fc.integer({ min: 1, max: 40 }),
        K: fc.integer({ min: 1, max: 300 }),
        N: fc.integer({ min: 1, max: 700 }),
        beta: fc.constantFrom(0, 1),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      { numRuns: 30, seed: 5 },
    );
    // big enough to be split across threads, with a depth past gemm's KC = 256 and a ragged last panel
    cases.push({ M: 8, K: 311, N: 2051, beta: 0, seed: 3 }, { M: 3, K: 257, N: 1029, beta: 1, seed: 4 });
    const ptrs: number[] = [];
    try {
      setThreads(1);
      const runs = cases.map((c) => {
        const w = pinned(seededFloats(c.N * c.K, c.seed), ptrs);
        const x = pinned(seededFloats(c.M * c.K, c.seed + 1), ptrs);
        const init = seededFloats(c.M * c.N, c.seed + 2);
        const packed = new PackedTransB(w, c.N, c.K, "w");
        expect(packed.byteLength).toBeGreaterThanOrEqual(c.N * c.K * 4);
        const want = bits(matmulTransB(x, w, c.M, c.K, c.N, init.slice(), 0.5, c.beta));
        const ref = matmulTransBReference(x.slice(), w.slice(), c.M, c.K, c.N, init.slice(), 0.5, c.beta);
        return { c, x, init, packed, want, ref };
      });
      for (const t of [1, 2, 3, 4]) {
        setThreads(t);
        for (const { c, x, init, packed, want, ref } of runs) {
          const out = pinned(init, ptrs);
          packed.matmulTransB(x, c.M, out, 0.5, c.beta);
          expect(bits(out), `M ${c.M} K ${c.K} N ${c.N} beta ${c.beta}, ${t} threads`).toEqual(want);
          let worst = 0;
          for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - ref[i]!));
          expect(worst).toBeLessThanOrEqual(1e-5 * (1 + c.K));
        }
      }
      for (const { packed } of runs) {
        packed.dispose();
        expect(packed.byteLength).toBe(0);
      }
    } finally {
      for (const p of ptrs) heap.release(p);
    }
  });

  it("matmulTransBGroup: each product's own bits, at 1–4 threads, as one pool round at 2; declines what would not take gemm", () => {
    const ptrs: number[] = [];
    try {
      for (const [M, K, Ns] of [[3, 312, [312, 104, 104]], [16, 257, [1092, 1092]], [7, 65, [9, 700, 33]]] as [number, number, number[]][]) {
        const x = pinned(seededFloats(M * K, 7), ptrs);
        const ws = Ns.map((N, i) => new PackedTransB(pinned(seededFloats(N * K, 20 + i), ptrs), N, K, `w${i}`));
        setThreads(1);
        const want = ws.map((w) => bits(w.matmulTransB(x, M, pinned(new Float32Array(M * w.N), ptrs))));
        for (const t of [1, 2, 3, 4]) {
          setThreads(t);
          const outs = ws.map((w) => pinned(new Float32Array(M * w.N), ptrs));
          const rounds = poolRounds();
          expect(PackedTransB.matmulTransBGroup(x, M, ws.map((w, i) => ({ w, out: outs[i]! })))).toBe(true);
          if (t === 2) expect(poolRounds() - rounds).toBe(1);
          outs.forEach((o, i) => expect(bits(o), `[${M}, ${K}] product ${i}, ${t} threads`).toEqual(want[i]));
        }
        for (const w of ws) w.dispose();
      }
      // M = 2 goes to gemvT (matmulTransB), an out outside the heap cannot be a job's: declined, nothing written
      const w = new PackedTransB(pinned(seededFloats(64 * 32, 1), ptrs), 64, 32, "w");
      const out = pinned(new Float32Array(2 * 64), ptrs);
      expect(PackedTransB.matmulTransBGroup(pinned(seededFloats(2 * 32, 2), ptrs), 2, [{ w, out }])).toBe(false);
      expect(PackedTransB.matmulTransBGroup(pinned(seededFloats(8 * 32, 2), ptrs), 8, [{ w, out: new Float32Array(8 * 64) }])).toBe(false);
      expect(out.every((v) => v === 0)).toBe(true);
      w.dispose();
    } finally {
      for (const p of ptrs) heap.release(p);
    }
  });

  it("takes operands outside the heap (through matmulTransB) with the same bits", () => {
    const ptrs: number[] = [];
    try {
      const w = pinned(seededFloats(37 * 19, 9), ptrs);
      const x = seededFloats(5 * 19, 10);
      const packed = new PackedTransB(w, 37, 19);
      expect(bits(packed.matmulTransB(x, 5))).toEqual(bits(matmulTransB(x, w, 5, 19, 37)));
      packed.dispose();
    } finally {
      for (const p of ptrs) heap.release(p);
    }
  });

  it("refuses a W smaller than its shape, naming it", () => {
    expect(() => new PackedTransB(new Float32Array(10), 4, 3, "lm_head")).toThrow(/PackedTransB lm_head: \[4, 3\] needs 12 values, got 10/);
  });
});
