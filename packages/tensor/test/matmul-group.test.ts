import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { matmul, matmulGroup, matmulTransA, matmulTransB, type MatmulGroupItem } from "../src/kernels/matmul.js";
import { heap } from "../src/wasm/heap.js";
import { matmulGroupScratchFloats } from "../src/wasm/matmul-group.js";
import { releaseScratch, scratchSize } from "../src/wasm/scratch.js";
import { getThreads, poolRounds, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

/**
 * matmulGroup: independent products in one pool round give each product the bits of its own call,
 * at 1–4 threads, pinned or not, odd shapes, accumulating (beta = 1) or not; a linear layer's
 * backward pair and a decoder layer's q, k, v really go as one round at 2 threads.
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

  it("gives one-row products x·Wᵀ (a decode step's projections) the bits of their own calls, cut anywhere, at 1–4 threads", () => {
    // total work above two threads' minimum, so at ≥ 2 threads the group is one round cut across products
    const groups = fc.sample(
      fc.array(fc.record({ K: fc.integer({ min: 1, max: 400 }), N: fc.integer({ min: 2, max: 700 }), beta: fc.constantFrom(0, 1), pinned: fc.boolean(), seed: fc.integer({ min: 1, max: 1 << 30 }) }), { minLength: 2, maxLength: 5 }),
      { numRuns: 40, seed: 12 },
    );
    let oneRound = 0; // groups that went as a single round at 2 threads (the property is not vacuous)
    for (const t of [1, 2, 3, 4]) {
      setThreads(t);
      groups.forEach((g, i) => {
        const ptrs: number[] = [];
        const K = g[0]!.K; // one x shared by the products, as q, k, v share the normed input
        const cases = g.map((c) => ({ ...c, layout: "nt" as const, M: 1, K }));
        const items = cases.map((c) => operands(c, ptrs));
        const x = items[0]!.a;
        for (const it of items) it.a = x;
        const want = cases.map((c, j) => bits(matmulTransB(x.slice(), items[j]!.b.slice(), 1, K, c.N, items[j]!.out.slice(), 0.5, c.beta)));
        const rounds = poolRounds();
        matmulGroup(items);
        if (t === 2 && poolRounds() - rounds === 1) oneRound++;
        items.forEach((it, j) => expect(bits(it.out).findIndex((v, k) => v !== want[j]![k]), `group ${i} product ${j} (1×${K}×${cases[j]!.N}) at ${t} threads`).toBe(-1));
        for (const ptr of ptrs) heap.release(ptr);
      });
    }
    expect(oneRound).toBeGreaterThan(groups.length / 2);
  });

  it("runs a layer's q, k, v (more products than threads) as one pool round at 2 threads, in decode and in prefill", () => {
    setThreads(2);
    const H = 312, Q = 312, KV = 104;
    for (const M of [1, 128]) {
      const x = seededFloats(M * H, 4);
      const w = [seededFloats(Q * H, 5), seededFloats(KV * H, 6), seededFloats(KV * H, 7)];
      const outs = [new Float32Array(M * Q), new Float32Array(M * KV), new Float32Array(M * KV)];
      const rounds = poolRounds();
      matmulGroup(w.map((b, i) => ({ layout: "nt" as const, a: x, b, M, K: H, N: outs[i]!.length / M, out: outs[i]! })));
      expect(poolRounds() - rounds, `M = ${M}`).toBe(1);
      outs.forEach((o, i) => expect(bits(o)).toEqual(bits(matmulTransB(x, w[i]!, M, H, o.length / M))));
    }
  });

  it("matmulGroupScratchFloats(products, threads), asked at 1 thread, covers the group's scratch at that many threads", () => {
    const M = 128, K = 312, Ns = [312, 104, 104];
    const ptrs: number[] = [];
    const items = Ns.map((N, i) => operands({ layout: "nt", M, K, N, beta: 0, pinned: true, seed: 40 + i }, ptrs));
    for (const it of items) it.a = items[0]!.a;
    for (const t of [2, 3, 4]) {
      setThreads(1);
      const bound = matmulGroupScratchFloats(items, t);
      expect(bound).toBeGreaterThan(0);
      setThreads(t);
      releaseScratch(); // the group takes exactly what it needs (at least 1024 floats)
      const rounds = poolRounds();
      matmulGroup(items);
      expect(poolRounds() - rounds).toBe(1);
      expect(scratchSize(), `${t} threads`).toBeLessThanOrEqual(Math.max(bound, 1024));
    }
    for (const ptr of ptrs) heap.release(ptr);
  });

  it("names the product whose sizes do not fit", () => {
    const a = new Float32Array(6);
    expect(() => matmulGroup([{ layout: "tn", a, b: a, M: 2, K: 4, N: 2, out: a }])).toThrow(/matmulTransA: a has 6 elements, a \[K,M\] with M=2, K=4, N=2 needs 8/);
  });
});
