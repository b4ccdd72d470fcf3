/**
 * Right-padded mini-batches: inputs/targets shifted by one, padding and unscored targets ignored,
 * and the seeded per-epoch order.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkIndices, epochBatches, epochOrder, makeBatch, type Example } from "../src/training/index.js";

const PAD = 1;
const IGNORE = -100;

function example(ids: number[], promptLength = 0): Example {
  const lossMask = new Uint8Array(ids.length);
  lossMask.fill(1, Math.max(1, promptLength));
  return { ids: Int32Array.from(ids), lossMask, promptLength, text: "", where: "[0]" };
}

describe("makeBatch", () => {
  it("shifts targets by one, pads on the right and ignores padded and prompt targets", () => {
    const b = makeBatch([example([5, 6, 7, 8], 2), example([9, 10])], { padId: PAD, ignoreIndex: IGNORE, lossOn: "mask" });
    expect([b.batchSize, b.seqLen]).toEqual([2, 3]);
    expect(Array.from(b.inputs)).toEqual([5, 6, 7, 9, PAD, PAD]);
    // Row 0: targets 6 (prompt, ignored), 7, 8; row 1: target 10, then padding.
    expect(Array.from(b.targets)).toEqual([IGNORE, 7, 8, 10, IGNORE, IGNORE]);
    expect(Array.from(b.paddingMask)).toEqual([1, 1, 1, 1, 0, 0]);
    expect([b.scoredTargets, b.realTokens]).toEqual([3, 4]);
  });

  it("scores every next token with lossOn 'all' (RustGPT)", () => {
    const b = makeBatch([example([5, 6, 7, 8], 2)], { padId: PAD, ignoreIndex: IGNORE, lossOn: "all" });
    expect(Array.from(b.targets)).toEqual([6, 7, 8]);
  });

  it("property: every real target is the next id, every padded position is ignored", () => {
    const row = fc.array(fc.integer({ min: 2, max: 50 }), { minLength: 2, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(row, fc.nat(12)), { minLength: 1, maxLength: 5 }), (rows) => {
        const exs = rows.map(([ids, p]) => example(ids, Math.min(p, ids.length - 1)));
        const b = makeBatch(exs, { padId: PAD, ignoreIndex: IGNORE, lossOn: "mask" });
        let scored = 0;
        exs.forEach((ex, r) => {
          for (let t = 0; t < b.seqLen; t++) {
            const i = r * b.seqLen + t;
            if (t < ex.ids.length - 1) {
              expect(b.inputs[i]).toBe(ex.ids[t]);
              expect(b.targets[i]).toBe(ex.lossMask[t + 1] ? ex.ids[t + 1] : IGNORE);
              if (ex.lossMask[t + 1]) scored++;
            } else {
              expect([b.inputs[i], b.targets[i], b.paddingMask[i]]).toEqual([PAD, IGNORE, 0]);
            }
          }
        });
        expect(b.scoredTargets).toBe(scored);
      }),
      { numRuns: 100 },
    );
  });
});

describe("epoch order", () => {
  it("is a permutation that depends on seed, phase and epoch only", () => {
    const a = epochOrder(50, "shuffle", 7, 0, 3);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(epochOrder(50, "shuffle", 7, 0, 3)).toEqual(a);
    expect(epochOrder(50, "shuffle", 7, 0, 4)).not.toEqual(a);
    expect(epochOrder(50, "shuffle", 8, 0, 3)).not.toEqual(a);
    expect(epochOrder(50, "shuffle", 7, 1, 3)).not.toEqual(a);
    expect(epochOrder(5, "file", 7, 0, 3)).toEqual([0, 1, 2, 3, 4]);
  });

  it("chunks into batches of at most batchSize", () => {
    expect(chunkIndices([3, 1, 4, 1, 5], 2)).toEqual([[3, 1], [4, 1], [5]]);
    expect(() => chunkIndices([1], 0)).toThrow(/batchSize must be an integer ≥ 1, got 0/);
  });

  it("'grouped' batches every example once, with less padding than a plain shuffle", () => {
    const lengths = Array.from({ length: 200 }, (_, i) => 5 + ((i * 37) % 40));
    const padding = (batches: number[][]) =>
      batches.reduce((n, b) => n + b.length * Math.max(...b.map((i) => lengths[i]!)) - b.reduce((s, i) => s + lengths[i]!, 0), 0);
    const grouped = epochBatches(lengths, { order: "grouped", batchSize: 8 }, 3, 0, 1);
    const shuffled = epochBatches(lengths, { order: "shuffle", batchSize: 8 }, 3, 0, 1);
    expect(grouped.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    expect(grouped).toHaveLength(25);
    expect(grouped.every((b) => b.length <= 8)).toBe(true);
    expect(epochBatches(lengths, { order: "grouped", batchSize: 8 }, 3, 0, 1)).toEqual(grouped);
    expect(epochBatches(lengths, { order: "grouped", batchSize: 8 }, 3, 0, 2)).not.toEqual(grouped);
    expect(padding(grouped)).toBeLessThan(padding(shuffled) / 3);
  });
});
