import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { matmul, matmulGroup, matmulTransA, matmulTransB, type MatmulGroupItem } from "../src/kernels/matmul.js";
import { heap } from "../src/wasm/heap.js";
import { getThreads, poolRounds, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

/**
 * matmulGroup: independent products in one pool round give each product the bits of its own call,
 * at 1–4 threads, pinned or not, odd shapes, accumulating (beta = 1) or not; a linear layer's
 * backward pair really goes as one round at 2 threads.
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
const single = { nn: matmul, nt: matmulTransB, tn: matmulTransA } as const;

interface Case {
  layout: "nn" | "nt" | "tn";
  M: number;
  K: number;
  N: number;
  beta: number;
  pinned: boolean;
  seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  layout: fc.constantFrom("nn" as const, "nt" as const, "tn" as const),
  M: fc.integer({ min: 1, max: 90 }),
  K: fc.integer({ min: 1, max: 200 }),
  N: fc.integer({ min: 1, max: 300 }),
  beta: fc.constantFrom(0, 1),
  pinned: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

/** The operands of a case: fresh seeded arrays, in the heap when pinned (ptrs to release). */
function operands(c: Case, ptrs: number[]): MatmulGroupItem {
  const arr = (n: number, seed: number): Float32Array => {
    const data = seededFloats(n, seed);
    if (!c.pinned) return data;
    const ptr = heap.alloc(n);
    ptrs.push(ptr);
    const view = heap.view(ptr, n);
    view.set(data);
    return view;
  };
  return { layout: c.layout, M: c.M, K: c.K, N: c.N, a: arr(c.M * c.K, c.seed), b: arr(c.K * c.N, c.seed + 1), out: arr(c.M * c.N, c.seed + 2), beta: c.beta, alpha: 0.5 };
}

describe("matmulGroup", () => {
  it("gives every product the bits of its own call, at 1–4 threads", () => {
    const groups = fc.sample(fc.array(caseArb, { minLength: 2, maxLength: 4 }), { numRuns: 30, seed: 11 });
    const want = groups.map((g) =>
      g.map((c) => {
        const p = operands({ ...c, pinned: false }, []);
        return bits(single[c.layout](p.a, p.b, c.M, c.K, c.N, p.out, 0.5, c.beta).slice());
      }),
    );
    for (const t of [1, 2, 3, 4]) {
      setThreads(t);
      groups.forEach((g, i) => {
        const ptrs: number[] = [];
        const items = g.map((c) => operands(c, ptrs));
        matmulGroup(items);
        items.forEach((it, j) => {
          const w = want[i]![j]!;
          expect(bits(it.out).findIndex((x, k) => x !== w[k]), `group ${i} product ${j} (${g[j]!.layout} ${g[j]!.M}×${g[j]!.K}×${g[j]!.N}) at ${t} threads`).toBe(-1);
        });
        for (const ptr of ptrs) heap.release(ptr);
      });
    }
  });

  it("runs a linear layer's dx and dW as one pool round at 2 threads", () => {
    setThreads(2);
    const M = 23, K = 128, N = 256; // dx [M,K] += dy [M,N]·W [N,K];  dW [N,K] += dyᵀ·x
    const dy = seededFloats(M * N, 1), W = seededFloats(N * K, 2), x = seededFloats(M * K, 3);
    const dx = new Float32Array(M * K), dW = new Float32Array(N * K);
    const rounds = poolRounds();
    matmulGroup([
      { layout: "nn", a: dy, b: W, M, K: N, N: K, out: dx, beta: 1 },
      { layout: "tn", a: dy, b: x, M: N, K: M, N: K, out: dW, beta: 1 },
    ]);
    expect(poolRounds() - rounds).toBe(1);
    expect(bits(dx)).toEqual(bits(matmul(dy, W, M, N, K)));
    expect(bits(dW)).toEqual(bits(matmulTransA(dy, x, N, M, K)));
  });

  it("names the product whose sizes do not fit", () => {
    const a = new Float32Array(6);
    expect(() => matmulGroup([{ layout: "tn", a, b: a, M: 2, K: 4, N: 2, out: a }])).toThrow(/matmulTransA: a has 6 elements, a \[K,M\] with M=2, K=4, N=2 needs 8/);
  });
});
