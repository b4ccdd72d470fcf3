import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { attention, attentionBatch, type AttentionArgs } from "../src/kernels/attention.js";
import { heap } from "../src/wasm/heap.js";
import { getThreads, poolRounds, setThreads } from "../src/wasm/pool.js";
import { releaseScratch } from "../src/wasm/scratch.js";
import { setWasmEnabled } from "../src/wasm/instance.js";
import { seededFloats } from "./helpers.js";

/**
 * attentionBatch (several sequences' attention calls as one pool round): the bits of each call
 * alone, for 1–4 threads, operands pinned or not, in one round or several (little scratch); it
 * uses the pool where each call alone would not; bad calls are named by index.
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

const callArb = fc.record({
  nKv: fc.integer({ min: 1, max: 4 }),
  group: fc.constantFrom(1, 2, 3),
  bs: fc.integer({ min: 1, max: 20 }),
  nQ: fc.integer({ min: 1, max: 6 }),
  position: fc.integer({ min: 0, max: 90 }),
  window: fc.constantFrom(0, 1, 5, 33),
  pinned: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
});
type Call = typeof callArb extends fc.Arbitrary<infer T> ? T : never;

/** A batch shares head dims (as a model's layer does); each call has its own shuffled blocks. */
function build(calls: Call[], hd: number): (AttentionArgs & { out: Float32Array })[] {
  const plain = calls.map((c) => {
    const nHeads = c.nKv * c.group;
    const nBlocks = Math.ceil((c.position + c.nQ) / c.bs);
    const slab = c.nKv * c.bs * hd;
    const order = Array.from({ length: nBlocks + 1 }, (_, i) => (i * 7 + c.seed) % (nBlocks + 1));
    return {
      q: seededFloats(c.nQ * nHeads * hd, c.seed, 2), keys: seededFloats((nBlocks + 1) * slab, c.seed + 1, 2), values: seededFloats((nBlocks + 1) * slab, c.seed + 2),
      out: new Float32Array(c.nQ * nHeads * hd), nQ: c.nQ, position: c.position, nHeads, nKvHeads: c.nKv, headDim: hd, blockSize: c.bs,
      blocks: order.slice(0, nBlocks).map((b) => b * slab), window: c.window === 0 ? null : c.window, scale: 1 / Math.sqrt(hd),
    };
  });
  // pinned calls: every operand copied into the heap (all allocated before any view is made)
  const ptrs = plain.map((a, i) => (calls[i]!.pinned ? [a.q, a.keys, a.values, a.out].map((x) => heap.alloc(x.length)) : null));
  return plain.map((a, i) => {
    const p = ptrs[i];
    if (p === null || p === undefined) return a;
    const [q, keys, values, out] = [a.q, a.keys, a.values, a.out].map((x, j) => {
      const v = heap.view(p[j]!, x.length);
      v.set(x);
      return v;
    });
    return { ...a, q: q!, keys: keys!, values: values!, out: out! };
  });
}

function release(batch: (AttentionArgs & { out: Float32Array })[]): void {
  for (const a of batch) if (a.q.buffer === heap.memory.buffer) for (const x of [a.q, a.keys, a.values, a.out]) heap.release(x.byteOffset);
}

describe("attentionBatch", () => {
  it("gives each call's own bits, for 1–4 threads, pinned or not, with and without room for one round", () => {
    fc.assert(
      fc.property(fc.array(callArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), (calls, hd, threads, little) => {
        setThreads(1);
        const alone = build(calls, hd).map((a) => attention({ ...a, out: undefined }).slice());
        setThreads(threads);
        if (little) releaseScratch(); // rounds then hold as many calls as one call's scratch
        const batch = build(calls, hd);
        attentionBatch(batch);
        batch.forEach((a, i) => expect(bits(a.out), JSON.stringify(calls[i])).toEqual(bits(alone[i]!)));
        release(batch);
      }),
      { numRuns: 60, seed: 17 },
    );
  });

  it("runs single-query calls on the pool, which each alone would not use", () => {
    setThreads(2);
    const calls = Array.from({ length: 8 }, (_, i): Call => ({ nKv: 2, group: 3, bs: 16, nQ: 1, position: 40 + i, window: 0, pinned: true, seed: i + 1 }));
    const batch = build(calls, 26);
    const before = poolRounds();
    for (const a of batch) attention(a);
    expect(poolRounds()).toBe(before);
    attentionBatch(batch);
    expect(poolRounds()).toBeGreaterThan(before);
    release(batch);
  });

  it("without WASM, each call is the reference loop's", () => {
    const calls = Array.from({ length: 3 }, (_, i): Call => ({ nKv: 1, group: 2, bs: 3, nQ: 2, position: 5 * i, window: 0, pinned: false, seed: i + 4 }));
    const was = setWasmEnabled(false);
    try {
      const batch = build(calls, 5);
      attentionBatch(batch);
      batch.forEach((a) => expect(a.out).toEqual(attention({ ...a, out: undefined })));
    } finally {
      setWasmEnabled(was);
    }
  });

  it("refuses a bad call, named by its index, before running any", () => {
    const batch = build([{ nKv: 2, group: 2, bs: 4, nQ: 2, position: 5, window: 0, pinned: false, seed: 1 }, { nKv: 2, group: 2, bs: 4, nQ: 2, position: 5, window: 0, pinned: false, seed: 2 }], 8);
    batch[0]!.out.fill(7);
    expect(() => attentionBatch([batch[0]!, { ...batch[1]!, blocks: [0] }])).toThrow(/attentionBatch: calls\[1\]: blocks has 1 entries/);
    expect(batch[0]!.out.every((x) => x === 7)).toBe(true);
  });
});
