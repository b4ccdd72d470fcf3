import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernels, ShapeError } from "../src/index.js";
import { dim, expectClose, floats } from "./helpers.js";

const k = kernels;
const sizes = fc.integer({ min: 0, max: 67 });
const pair = sizes.chain((n) => fc.tuple(floats(n), floats(n)));

describe("elementwise kernels equal their references", () => {
  const ops = [
    ["add", k.add, k.addReference],
    ["sub", k.sub, k.subReference],
    ["mul", k.mul, k.mulReference],
    ["div", k.div, k.divReference],
  ] as const;
  for (const [name, fast, ref] of ops) {
    it(name, () => {
      fc.assert(
        fc.property(pair, ([a, b]) => {
          expect(Array.from(fast(a, b))).toEqual(Array.from(ref(a, b)));
        }),
      );
    });
  }

  it("addScalar, mulScalar", () => {
    fc.assert(
      fc.property(sizes.chain((n) => floats(n)), fc.float({ noNaN: true, min: -10, max: 10 }), (a, s) => {
        expect(Array.from(k.addScalar(a, s))).toEqual(Array.from(k.addScalarReference(a, s)));
        expect(Array.from(k.mulScalar(a, s))).toEqual(Array.from(k.mulScalarReference(a, s)));
      }),
    );
  });

  it("axpy updates y in place: y += alpha·x", () => {
    fc.assert(
      fc.property(pair, fc.float({ noNaN: true, min: -3, max: 3 }), ([x, y], alpha) => {
        const expected = k.axpyReference(alpha, x, new Float32Array(y));
        const yy = new Float32Array(y);
        expect(k.axpy(alpha, x, yy)).toBe(yy);
        expect(Array.from(yy)).toEqual(Array.from(expected));
      }),
    );
  });

  it("writes into a given out (which may alias an input)", () => {
    fc.assert(
      fc.property(dim(), (n) => {
        const a = Float32Array.from({ length: n }, (_, i) => i);
        const b = Float32Array.from({ length: n }, (_, i) => 2 * i + 1);
        const expected = k.addReference(a, b);
        expect(k.add(a, b, a)).toBe(a);
        expectClose(a, expected, 0, 0);
      }),
    );
  });

  it("rejects mismatched lengths and a short out with ShapeError", () => {
    expect(() => k.add(new Float32Array(3), new Float32Array(4))).toThrow(ShapeError);
    expect(() => k.mul(new Float32Array(3), new Float32Array(3), new Float32Array(2))).toThrow(/out has 2 elements, need 3/);
  });
});
