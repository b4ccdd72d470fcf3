/**
 * runInHeap (src/wasm/scratch.ts) against a plain model of its contract: every operand reaches the
 * kernel at a byte address holding its first n floats when read (an array passed several times:
 * one copy, the largest n), an in-heap operand at its own byteOffset, and what the kernel wrote
 * into a copy comes back to the JS array (its first n floats only), nothing else changes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { heap } from "../src/wasm/heap.js";
import { type Operand, memoryBuffer, runInHeap } from "../src/wasm/scratch.js";

const MAX = 40;

describe("runInHeap", () => {
  it("copies in the read operands, copies back the written ones, shares one copy per array", () => {
    const pinnedPtr = heap.alloc(3 * MAX, { what: "scratch test" });
    try {
      const spec = fc.array(
        fc.record({ which: fc.integer({ min: 0, max: 4 }), n: fc.integer({ min: 0, max: MAX }), read: fc.boolean(), write: fc.boolean() }),
        { minLength: 1, maxLength: 6 },
      );
      fc.assert(
        fc.property(spec, fc.integer({ min: 0, max: 50 }), (list, workFloats) => {
          // arrays 0–2 on the JS heap, 3–4 views of the WASM heap (pinned)
          const pinned = new Float32Array(memoryBuffer(), pinnedPtr, 3 * MAX);
          const arrays = [0, 1, 2].map((a) => Float32Array.from({ length: MAX }, (_, i) => 1000 * a + i));
          arrays.push(pinned.subarray(0, MAX), pinned.subarray(MAX, 2 * MAX));
          pinned.set(Float32Array.from({ length: 2 * MAX }, (_, i) => -1 - i));
          const before = arrays.map((a) => Float32Array.from(a));
          const ops: Operand[] = list.map((o) => ({ array: arrays[o.which]!, n: o.n, read: o.read, write: o.write }));
          const nOf = (w: number) => Math.max(0, ...list.filter((o) => o.which === w).map((o) => o.n));
          const reads = (w: number) => list.some((o) => o.which === w && o.read);
          const writes = (w: number) => list.some((o) => o.which === w && o.write);
          let seen: number[] = [];
          runInHeap(ops, workFloats, (addrs, work) => {
            seen = addrs;
            const mem = new Float32Array(memoryBuffer());
            if (workFloats > 0) expect(work % 16).toBe(0);
            list.forEach((o, i) => {
              const at = addrs[i]! >> 2;
              expect(addrs[i]! % 16 === 0 || o.which >= 3).toBe(true);
              if (o.which >= 3) expect(addrs[i]).toBe(arrays[o.which]!.byteOffset);
              // same array, same address
              list.forEach((p, j) => { if (p.which === o.which) expect(addrs[j]).toBe(addrs[i]); });
              if (o.which >= 3 || reads(o.which)) for (let k = 0; k < nOf(o.which); k++) expect(mem[at + k]).toBe(before[o.which]![k]);
            });
            // the kernel writes a marker over each distinct operand's n floats
            const done = new Set<number>();
            list.forEach((o, i) => {
              if (!o.write || done.has(o.which)) return;
              done.add(o.which);
              for (let k = 0; k < nOf(o.which); k++) mem[(addrs[i]! >> 2) + k] = 7e6 + 100 * o.which + k;
            });
          });
          expect(seen.length).toBe(list.length);
          arrays.forEach((a, w) => {
            const used = list.some((o) => o.which === w);
            for (let k = 0; k < MAX; k++) {
              const want = used && writes(w) && k < nOf(w) ? 7e6 + 100 * w + k : before[w]![k];
              expect(a[k]).toBe(want);
            }
          });
        }),
        { numRuns: 300 },
      );
    } finally {
      heap.release(pinnedPtr);
    }
  });
});
