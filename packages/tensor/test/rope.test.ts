import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernels as k, rope, Tensor, ShapeError, type RopeStyle } from "../src/index.js";
import { dim, expectClose, floats } from "./helpers.js";

const styles: RopeStyle[] = ["half", "interleaved"];
const ropeCase = fc
  .record({
    seq: dim(5),
    nHeads: dim(3),
    headDim: fc.integer({ min: 1, max: 20 }).map((h) => 2 * h),
    startPos: fc.integer({ min: 0, max: 300 }),
    theta: fc.constantFrom(10000, 500000, 100),
    style: fc.constantFrom(...styles),
  })
  .chain((p) => fc.tuple(fc.constant(p), floats(p.seq * p.nHeads * p.headDim, 3)));

const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);

describe("rope", () => {
  it("equals the reference (both styles, in place too)", () => {
    fc.assert(
      fc.property(ropeCase, ([p, x]) => {
        const ref = k.ropeReference(x, p.seq, p.nHeads, p.headDim, p.startPos, p.theta, p.style);
        // x·cos − y·sin can cancel to ~0, so the absolute tolerance follows the inputs' scale:
        // a few float32 ulps of the largest |x| (the SIMD path rounds each product, no FMA).
        let maxAbs = 0;
        for (const v of x) maxAbs = Math.max(maxAbs, Math.abs(v));
        const atol = 1e-7 + 2 ** -21 * maxAbs;
        expectClose(k.rope(x, p.seq, p.nHeads, p.headDim, p.startPos, p.theta, p.style), ref, atol, 1e-6);
        const inPlace = new Float32Array(x);
        k.rope(inPlace, p.seq, p.nHeads, p.headDim, p.startPos, p.theta, p.style, inPlace);
        expectClose(inPlace, ref, atol, 1e-6);
      }),
    );
  });

  it("keeps every head vector's norm", () => {
    fc.assert(
      fc.property(ropeCase, ([p, x]) => {
        const y = k.rope(x, p.seq, p.nHeads, p.headDim, p.startPos, p.theta, p.style);
        for (let v = 0; v < p.seq * p.nHeads; v++) {
          const a = norm(x.subarray(v * p.headDim, (v + 1) * p.headDim));
          const b = norm(y.subarray(v * p.headDim, (v + 1) * p.headDim));
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * (1 + a));
        }
      }),
    );
  });

  it("inverse undoes it", () => {
    fc.assert(
      fc.property(ropeCase, ([p, x]) => {
        const y = k.rope(x, p.seq, p.nHeads, p.headDim, p.startPos, p.theta, p.style);
        const back = k.rope(y, p.seq, p.nHeads, p.headDim, p.startPos, p.theta, p.style, undefined, true);
        expectClose(back, x, 1e-5, 1e-5);
      }),
    );
  });

  it("q(m)·k(n) depends only on m − n (both styles)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }).chain((h) => fc.tuple(floats(2 * h, 1), floats(2 * h, 1))),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        fc.constantFrom(...styles),
        ([q, kv], m, n, shift, style) => {
          const d = q.length;
          const at = (v: Float32Array, pos: number) => k.rope(v, 1, 1, d, pos, 10000, style);
          const s1 = dot(at(q, m), at(kv, n));
          const s2 = dot(at(q, m + shift), at(kv, n + shift));
          expect(Math.abs(s1 - s2)).toBeLessThanOrEqual(1e-4 * (1 + norm(q) * norm(kv)));
        },
      ),
    );
  });

  it("matches exact float64 rotation angles pos·theta^(−2i/d) closely (small positions)", () => {
    fc.assert(
      fc.property(ropeCase, ([p, x]) => {
        const y = k.rope(x, p.seq, p.nHeads, p.headDim, p.startPos, p.theta, p.style);
        const half = p.headDim / 2;
        for (let s = 0; s < p.seq; s++) {
          for (let h = 0; h < p.nHeads; h++) {
            const base = (s * p.nHeads + h) * p.headDim;
            for (let i = 0; i < half; i++) {
              const ang = (p.startPos + s) * Math.pow(p.theta, (-2 * i) / p.headDim);
              const [i0, i1] = p.style === "half" ? [base + i, base + i + half] : [base + 2 * i, base + 2 * i + 1];
              const e0 = x[i0]! * Math.cos(ang) - x[i1]! * Math.sin(ang);
              const e1 = x[i1]! * Math.cos(ang) + x[i0]! * Math.sin(ang);
              // float32 angles: error ≈ pos·2^-24 rad at most
              const tol = 1e-5 + 4e-7 * (p.startPos + s) * Math.hypot(x[i0]!, x[i1]!);
              expect(Math.abs(y[i0]! - e0)).toBeLessThanOrEqual(tol);
              expect(Math.abs(y[i1]! - e1)).toBeLessThanOrEqual(tol);
            }
          }
        }
      }),
    );
  });

  it("interleaved is half with the pairs (2i, 2i+1) moved to (i, i + d/2)", () => {
    fc.assert(
      fc.property(ropeCase, ([p, x]) => {
        const d = p.headDim;
        const h = d / 2;
        const toHalf = new Float32Array(x.length);
        for (let v = 0; v < p.seq * p.nHeads; v++) {
          for (let i = 0; i < h; i++) {
            toHalf[v * d + i] = x[v * d + 2 * i]!;
            toHalf[v * d + i + h] = x[v * d + 2 * i + 1]!;
          }
        }
        const yi = k.rope(x, p.seq, p.nHeads, d, p.startPos, p.theta, "interleaved");
        const yh = k.rope(toHalf, p.seq, p.nHeads, d, p.startPos, p.theta, "half");
        for (let v = 0; v < p.seq * p.nHeads; v++) {
          for (let i = 0; i < h; i++) {
            expect(yi[v * d + 2 * i]).toBe(yh[v * d + i]);
            expect(yi[v * d + 2 * i + 1]).toBe(yh[v * d + i + h]);
          }
        }
      }),
    );
  });

  it("is the identity at position 0 and Tensor-level rope checks its input", () => {
    const x = Tensor.from(Float32Array.from({ length: 16 }, (_, i) => i - 7), [1, 2, 8]);
    expect(rope(x, 0, 10000).toArray()).toEqual(x.toArray());
    expect(() => rope(Tensor.zeros([2, 8]), 0, 10000)).toThrow(ShapeError);
    expect(() => k.rope(new Float32Array(6), 1, 1, 3, 0, 10000, "half")).toThrow(/headDim must be a positive even integer/);
  });
});
