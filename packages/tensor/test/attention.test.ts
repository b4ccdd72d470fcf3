import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { attention, type AttentionArgs } from "../src/kernels/attention.js";
import { attentionReference } from "../src/kernels/attention.reference.js";
import { heap } from "../src/wasm/heap.js";
import { getThreads, poolRounds, setThreads } from "../src/wasm/pool.js";
import { setWasmEnabled } from "../src/wasm/instance.js";
import { expectClose, seededFloats } from "./helpers.js";

/**
 * The fused attention kernel against its reference loop (odd head dims, GQA ratios, windows,
 * block sizes, contiguous and paged caches), and bit-identical for 1–4 threads.
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

interface Case {
  nKv: number;
  group: number;
  hd: number;
  bs: number;
  nQ: number;
  position: number;
  window: number;
  paged: boolean;
  seed: number;
}

const caseArb = fc.record({
  nKv: fc.integer({ min: 1, max: 4 }),
  group: fc.constantFrom(1, 2, 3, 4),
  hd: fc.integer({ min: 1, max: 41 }),
  bs: fc.integer({ min: 1, max: 20 }),
  nQ: fc.integer({ min: 1, max: 12 }),
  position: fc.integer({ min: 0, max: 60 }),
  window: fc.constantFrom(0, 1, 3, 17),
  paged: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});

/** The arguments of a case: blocks of a paged cache in shuffled order (or one contiguous block), on the JS heap. */
function build(c: Case): AttentionArgs {
  const nHeads = c.nKv * c.group;
  const end = c.position + c.nQ;
  const bs = c.paged ? c.bs : end + (c.seed % 5); // contiguous: one block, maxLen ≥ end
  const nBlocks = Math.ceil(end / bs);
  const spare = c.paged ? 2 : 0;
  const slab = c.nKv * bs * c.hd;
  const order = Array.from({ length: nBlocks + spare }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = (c.seed + i * 7919) % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return {
    q: seededFloats(c.nQ * nHeads * c.hd, c.seed, 2),
    nQ: c.nQ,
    position: c.position,
    nHeads,
    nKvHeads: c.nKv,
    headDim: c.hd,
    keys: seededFloats((nBlocks + spare) * slab, c.seed + 1, 2),
    values: seededFloats((nBlocks + spare) * slab, c.seed + 2),
    blockSize: bs,
    blocks: order.slice(0, nBlocks).map((b) => b * slab),
    window: c.window === 0 ? null : c.window,
    scale: 1 / Math.sqrt(c.hd),
  };
}

/** The same call with every operand pinned in the heap (the model's path: no copies). */
function runPinned(a: AttentionArgs): Float32Array {
  const n = a.nQ * a.nHeads * a.headDim;
  const put = (src: Float32Array): number => {
    const p = heap.alloc(src.length);
    heap.view(p, src.length).set(src);
    return p;
  };
  const pq = put(a.q), pk = put(a.keys), pv = put(a.values), po = heap.alloc(n);
  const out = attention({ ...a, q: heap.view(pq, n), keys: heap.view(pk, a.keys.length), values: heap.view(pv, a.values.length), out: heap.view(po, n) }).slice();
  for (const p of [pq, pk, pv, po]) heap.release(p);
  return out;
}

describe("attention (fused kernel)", () => {
  it("matches the reference loop (GQA, odd head dims, windows, block sizes, paged and contiguous)", () => {
    setThreads(1);
    fc.assert(
      fc.property(caseArb, (c) => {
        const a = build(c);
        expectClose(attention(a), attentionReference(a), 2e-5, 2e-4);
      }),
      { numRuns: 150, seed: 11 },
    );
  });

  it("is bit-identical for 1–4 threads, pinned or copied, and splits on the pool", () => {
    const cases = fc.sample(caseArb.map((c) => ({ ...c, nQ: c.nQ * 4, position: c.position * 3, hd: c.hd + 16 })), { numRuns: 30, seed: 5 });
    const results: Float32Array[][] = [];
    let rounds = 0;
    for (const t of [1, 2, 3, 4]) {
      setThreads(t);
      const before = poolRounds();
      results.push(cases.map((c, i) => (i % 2 === 0 ? runPinned(build(c)) : attention(build(c)))));
      if (t > 1) rounds += poolRounds() - before;
    }
    expect(rounds).toBeGreaterThan(0);
    cases.forEach((c, i) => {
      for (const r of results.slice(1)) expect(bits(r[i]!), JSON.stringify(c)).toEqual(bits(results[0]![i]!));
    });
  });

  it("a paged cache gives the same bits as the same keys stored contiguously", () => {
    const c: Case = { nKv: 2, group: 3, hd: 26, bs: 16, nQ: 9, position: 40, window: 0, paged: true, seed: 3 };
    const paged = build(c);
    const contiguous = { ...paged, blockSize: 64, blocks: [0], keys: new Float32Array(2 * 64 * 26), values: new Float32Array(2 * 64 * 26) };
    for (let j = 0; j < 49; j++) {
      for (let kh = 0; kh < 2; kh++) {
        const from = paged.blocks[Math.floor(j / 16)]! + (kh * 16 + (j % 16)) * 26;
        contiguous.keys.set(paged.keys.subarray(from, from + 26), (kh * 64 + j) * 26);
        contiguous.values.set(paged.values.subarray(from, from + 26), (kh * 64 + j) * 26);
      }
    }
    expect(bits(attention(contiguous))).toEqual(bits(attention(paged)));
  });

  it("without WASM, the JS path is the reference loop", () => {
    const a = build({ nKv: 2, group: 2, hd: 7, bs: 5, nQ: 3, position: 9, window: 4, paged: true, seed: 9 });
    const was = setWasmEnabled(false);
    try {
      expect(attention(a)).toEqual(attentionReference(a));
    } finally {
      setWasmEnabled(was);
    }
  });

  it("refuses bad arguments with one line naming the argument", () => {
    const a = build({ nKv: 2, group: 2, hd: 8, bs: 4, nQ: 2, position: 5, window: 0, paged: true, seed: 1 });
    expect(() => attention({ ...a, nKvHeads: 3 })).toThrow(/attention: nHeads \(4\) must be a multiple of nKvHeads \(3\)/);
    expect(() => attention({ ...a, blocks: [0] })).toThrow(/attention: blocks has 1 entries, positions up to 7 need 2 of 4/);
    expect(() => attention({ ...a, blocks: [0, a.keys.length] })).toThrow(/attention: blocks\[1\]/);
    expect(() => attention({ ...a, q: a.q.subarray(1) })).toThrow(/attention: q has/);
    expect(() => attention({ ...a, window: -1 })).toThrow(/attention: window/);
  });
});
