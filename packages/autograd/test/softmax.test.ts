import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tensor } from "@mini/tensor";
import { logSoftmax, mul, param, softmax, sum } from "../src/index.js";
import { FAST, expectClose, expectGradOk, rngOf, seedArb, shapeArb, uniform } from "./helpers.js";

const attnDims = fc.record({
  B: fc.integer({ min: 1, max: 2 }),
  H: fc.integer({ min: 1, max: 3 }),
  T: fc.integer({ min: 1, max: 5 }),
  past: fc.integer({ min: 0, max: 3 }),
});

describe("softmax / logSoftmax", () => {
  it("softmax passes gradCheck over random shapes", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => expectGradOk((x) => softmax(x), [uniform(shape, rngOf(seed), -3, 3)], { seed })),
      FAST,
    );
  });

  it("logSoftmax passes gradCheck over random shapes", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => expectGradOk((x) => logSoftmax(x), [uniform(shape, rngOf(seed), -3, 3)], { seed })),
      FAST,
    );
  });

  it("causal softmax on [B·H, T, S] and [B, H, T, S] passes gradCheck (S = past + T)", () => {
    fc.assert(
      fc.property(attnDims, seedArb, fc.boolean(), ({ B, H, T, past }, seed, flat) => {
        const S = past + T;
        const shape = flat ? [B * H, T, S] : [B, H, T, S];
        expectGradOk((x) => softmax(x, { causal: true }), [uniform(shape, rngOf(seed), -3, 3)], { seed });
      }),
      FAST,
    );
  });

  it("causal softmax gives future keys probability exactly 0 and gradient exactly 0", () => {
    const [BH, T, past] = [2, 3, 1];
    const S = past + T;
    const x = param(uniform([BH, T, S], rngOf(1), -3, 3));
    const y = softmax(x, { causal: true });
    const w = param(uniform([BH, T, S], rngOf(2)));
    sum(mul(y, w)).backward();
    for (let h = 0; h < BH; h++) {
      for (let t = 0; t < T; t++) {
        let rowSum = 0;
        for (let j = 0; j < S; j++) {
          const i = (h * T + t) * S + j;
          rowSum += y.data[i]!;
          if (j > past + t) {
            expect(y.data[i]).toBe(0);
            expect(x.grad!.data[i]).toBe(0);
          } else expect(y.data[i]).toBeGreaterThan(0);
        }
        expect(rowSum).toBeCloseTo(1, 6);
      }
    }
  });

  it("takes an explicit {offset, period}", () => {
    // 4 rows of 3 keys, blocks of 2 query rows, 1 key before the first query.
    const x = param(Tensor.zeros([4, 3]));
    const y = softmax(x, { causal: { offset: 1, period: 2 } });
    expectClose(y.data, [0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3]);
  });

  it("logSoftmax equals log of softmax, and rejects a causal mask with more queries than keys", () => {
    const x = param(uniform([3, 5], rngOf(4), -3, 3));
    expectClose(logSoftmax(x).data, Array.from(softmax(x).data, Math.log), 1e-5);
    expect(() => softmax(param(Tensor.zeros([4, 2])), { causal: true })).toThrow(/more queries \(4\) than keys \(2\)/);
  });
});
