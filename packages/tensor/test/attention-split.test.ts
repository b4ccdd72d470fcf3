import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { attentionMaxJobs, attentionSplit } from "../src/wasm/attention-split.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";

/**
 * How an attention call is cut into pool jobs: every (head, query row) in exactly one job, at most
 * attentionMaxJobs of them, and (for the left-over heads) each thread's share of the causal work
 * within one row of an equal share. The bits of each cut are checked in attention.test.ts (1–4 threads).
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const caseArb = fc.record({
  threads: fc.integer({ min: 1, max: 4 }),
  nKv: fc.integer({ min: 1, max: 5 }),
  group: fc.integer({ min: 1, max: 4 }),
  hd: fc.integer({ min: 1, max: 128 }),
  nQ: fc.integer({ min: 1, max: 200 }),
  position: fc.integer({ min: 0, max: 300 }),
  window: fc.constantFrom(0, 1, 7, 64),
});

describe("attentionSplit", () => {
  it("covers every (head, row) once, in at most attentionMaxJobs jobs", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        setThreads(c.threads);
        const nHeads = c.nKv * c.group;
        const parts = attentionSplit(c.nQ, c.position, c.window, nHeads, c.nKv, c.hd);
        expect(parts.length).toBeGreaterThanOrEqual(1);
        expect(parts.length).toBeLessThanOrEqual(attentionMaxJobs(c.threads));
        const seen = new Uint8Array(nHeads * c.nQ);
        for (const p of parts) {
          expect(p.h0 < p.h1 && p.r0 < p.r1 && p.h1 <= nHeads && p.r1 <= c.nQ).toBe(true);
          for (let h = p.h0; h < p.h1; h++) for (let r = p.r0; r < p.r1; r++) seen[h * c.nQ + r]! += 1;
        }
        expect([...seen].every((n) => n === 1)).toBe(true);
      }),
      { numRuns: 400, seed: 11 },
    );
  });

  it("gives SmolLM2's 9 heads (3 kv heads) over 2 threads equal causal work, not 6 heads against 3", () => {
    setThreads(2);
    const nQ = 128;
    const parts = attentionSplit(nQ, 0, 0, 9, 3, 64);
    const keys = (p: { h0: number; h1: number; r0: number; r1: number }): number => {
      let s = 0;
      for (let r = p.r0; r < p.r1; r++) s += r + 1; // row r sees r + 1 keys
      return (p.h1 - p.h0) * s;
    };
    // jobs claimed in order by 2 threads: whole heads first, then the spare kv group's row pieces
    const free = [0, 0];
    for (const p of parts) free[free[0]! <= free[1]! ? 0 : 1]! += keys(p);
    const total = (9 * nQ * (nQ + 1)) / 2;
    expect(Math.max(...free)).toBeLessThanOrEqual(total / 2 + 3 * nQ); // within a row of 3 heads of half
    expect(parts.some((p) => p.r0 > 0)).toBe(true);
  });

  it("keeps a decode step (one row) and evenly dividing heads to whole-head ranges", () => {
    setThreads(2);
    expect(attentionSplit(1, 500, 0, 9, 3, 64).every((p) => p.r0 === 0 && p.r1 === 1)).toBe(true);
    expect(attentionSplit(128, 0, 0, 12, 4, 26)).toEqual([{ h0: 0, h1: 6, r0: 0, r1: 128 }, { h0: 6, h1: 12, r0: 0, r1: 128 }]);
  });
});
