/**
 * Property tests of Mixtral's router (routeTokens): the chosen experts are the top-k router
 * logits, their weights are positive and sum to 1, and they equal transformers' computation done
 * literally in float64 (softmax over all experts, keep the top k, divide by their sum).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { routeTokens } from "../../src/models/llama/moe-routing.js";

const routingCase = fc
  .record({ numExperts: fc.integer({ min: 1, max: 10 }), n: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 10 }) })
  .chain(({ numExperts, n, k }) =>
    fc.record({
      numExperts: fc.constant(numExperts),
      n: fc.constant(n),
      topK: fc.constant(Math.min(k, numExperts)),
      // Few distinct values, so ties happen.
      logits: fc.array(fc.oneof(fc.float({ min: -8, max: 8, noNaN: true }), fc.constantFrom(0, 1, -1)), {
        minLength: n * numExperts,
        maxLength: n * numExperts,
      }),
    }),
  );

describe("routeTokens", () => {
  it("picks the k largest logits (ties to the lower index), weights sum to 1 and equal HF's softmax → top-k → renormalise", () => {
    fc.assert(
      fc.property(routingCase, ({ numExperts, n, topK, logits }) => {
        const x = Float32Array.from(logits);
        const experts = new Int32Array(n * topK);
        const weights = new Float32Array(n * topK);
        routeTokens(x, n, numExperts, topK, experts, weights);
        for (let t = 0; t < n; t++) {
          const row = Array.from(x.subarray(t * numExperts, (t + 1) * numExperts));
          const chosen = Array.from(experts.subarray(t * topK, (t + 1) * topK));
          const w = Array.from(weights.subarray(t * topK, (t + 1) * topK));
          // The expected choice: a stable sort by descending logit.
          const order = row.map((v, e) => ({ v, e })).sort((a, b) => b.v - a.v || a.e - b.e);
          expect(chosen).toEqual(order.slice(0, topK).map((o) => o.e));
          // Every expert left out has a logit no larger than every chosen one.
          const minChosen = Math.min(...chosen.map((e) => row[e]!));
          row.forEach((v, e) => {
            if (!chosen.includes(e)) expect(v).toBeLessThanOrEqual(minChosen);
          });
          expect(Math.abs(w.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
          // transformers, literally: probabilities over all experts, keep the chosen, renormalise.
          const max = Math.max(...row);
          const p = row.map((v) => Math.exp(v - max));
          const total = p.reduce((a, b) => a + b, 0);
          const kept = chosen.map((e) => p[e]! / total);
          const keptSum = kept.reduce((a, b) => a + b, 0);
          kept.forEach((pk, j) => expect(Math.abs(w[j]! - pk / keptSum)).toBeLessThan(1e-6));
          w.forEach((wj) => expect(wj).toBeGreaterThan(0));
        }
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it("one expert gets weight 1; bad k or short buffers are refused naming the sizes", () => {
    const experts = new Int32Array(3);
    const weights = new Float32Array(3);
    routeTokens(Float32Array.from([0.3, -2, 7]), 3, 1, 1, experts, weights);
    expect(Array.from(experts)).toEqual([0, 0, 0]);
    expect(Array.from(weights)).toEqual([1, 1, 1]);
    expect(() => routeTokens(new Float32Array(8), 2, 4, 5, new Int32Array(10), new Float32Array(10))).toThrow("topK must be an integer in [1, 4]");
    expect(() => routeTokens(new Float32Array(7), 2, 4, 2, new Int32Array(4), new Float32Array(4))).toThrow("need logits [2, 4] and outputs [2, 2]");
  });
});
