import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { addMask, keyPaddingMask, mul, param, softmax, sum } from "../src/index.js";
import { FAST, expectClose, expectGradOk, rngOf, seedArb, uniform } from "./helpers.js";

const dims = fc.record({
  B: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 3 }),
  T: fc.integer({ min: 1, max: 4 }),
});

describe("addMask / keyPaddingMask", () => {
  it("keyPaddingMask is 0 on real keys and −Infinity on padding, shaped [B, 1, 1, S]", () => {
    const m = keyPaddingMask([2, 0, 3], 3);
    expect([...m.shape]).toEqual([3, 1, 1, 3]);
    expect(Array.from(m.data)).toEqual([0, 0, -Infinity, -Infinity, -Infinity, -Infinity, 0, 0, 0]);
    expect(() => keyPaddingMask([4], 3)).toThrow(/lengths\[0\] = 4/);
  });

  it("padded + causal attention softmax passes gradCheck through addMask", () => {
    fc.assert(
      fc.property(dims, seedArb, ({ B, H, T }, seed) => {
        const rng = rngOf(seed);
        const lengths = Array.from({ length: B }, () => 1 + rng.int(T)); // right padding, ≥ 1 real token
        const mask = keyPaddingMask(lengths, T);
        const scores = uniform([B, H, T, T], rng, -3, 3);
        expectGradOk((s) => softmax(addMask(s, mask), { causal: true }), [scores], { seed });
      }),
      FAST,
    );
  });

  it("gives padded keys probability exactly 0 and their scores gradient exactly 0", () => {
    const [B, H, T] = [2, 2, 3];
    const lengths = [3, 2];
    const scores = param(uniform([B, H, T, T], rngOf(9), -3, 3));
    const p = softmax(addMask(scores, keyPaddingMask(lengths, T)), { causal: true });
    const w = param(uniform([B, H, T, T], rngOf(10)));
    sum(mul(p, w)).backward();
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        for (let t = 0; t < T; t++) {
          let rowSum = 0;
          for (let j = 0; j < T; j++) {
            const i = ((b * H + h) * T + t) * T + j;
            const v = p.data[i]!;
            expect(Number.isNaN(v)).toBe(false);
            rowSum += v;
            if (j >= lengths[b]! || j > t) {
              expect(v).toBe(0);
              expect(scores.grad!.data[i]).toBe(0);
            }
          }
          expect(rowSum).toBeCloseTo(1, 6);
        }
      }
    }
  });

  it("a fully masked row (left padding under a causal mask) gives a uniform row, not NaN", () => {
    // Row 0 may only see key 0, which is padding: every visible key is masked.
    const mask = Tensor.from([-Infinity, 0, 0], [1, 1, 1, 3]);
    const scores = param(Tensor.zeros([1, 1, 3, 3]));
    const p = softmax(addMask(scores, mask), { causal: true });
    expectClose(p.data.subarray(0, 3), [1, 0, 0]);
    for (const v of p.data) expect(Number.isNaN(v)).toBe(false);
    expectClose(p.data.subarray(3, 6), [0, 1, 0]); // row 1: key 0 masked, key 1 visible
  });

  it("passes the gradient through unchanged and rejects a mask that would widen the scores", () => {
    const s = param(uniform([2, 3], rngOf(1)));
    const y = addMask(s, Tensor.from([0, -Infinity, 0], [3]));
    expectClose([y.data[0]!, y.data[2]!], [s.data[0]!, s.data[2]!]);
    sum(mul(y, 2)).backward();
    expectClose(s.grad!.data, [2, 2, 2, 2, 2, 2]);
    expect(() => addMask(s, Tensor.zeros([4, 2, 3]))).toThrow(ShapeError);
    expect(() => addMask(s, Tensor.zeros([4, 2, 3]))).toThrow(/addMask: mask \[4, 2, 3\] must broadcast to scores \[2, 3\]/);
  });
});
