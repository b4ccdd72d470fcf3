import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logprobsAt } from "../src/serving/token-logprobs.js";

/** logprobsAt against a plain float64 log softmax and a full sort (ties: lower id first). */
describe("logprobsAt", () => {
  it("is log softmax of the logits at the id, with the top ids in descending order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 1, maxLength: 300 }), // integers: ties happen
        fc.nat(),
        fc.integer({ min: 0, max: 20 }),
        (ints, pick, top) => {
          const logits = Float32Array.from(ints, (v) => v / 4);
          const id = pick % logits.length;
          const lse = Math.log(Array.from(logits).reduce((s, v) => s + Math.exp(v), 0));
          const got = logprobsAt(logits, id, top);
          expect(got.logprob).toBeCloseTo(logits[id]! - lse, 9);
          const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b).slice(0, top);
          expect(got.top.map((t) => t.id)).toEqual(order);
          for (const t of got.top) expect(t.logprob).toBeCloseTo(logits[t.id]! - lse, 9);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });

  it("sums to 1 over the whole vocabulary", () => {
    const logits = Float32Array.from({ length: 20 }, (_, i) => Math.sin(i) * 5);
    const all = logprobsAt(logits, 0, 20).top;
    expect(all.reduce((s, t) => s + Math.exp(t.logprob), 0)).toBeCloseTo(1, 12);
  });
});
