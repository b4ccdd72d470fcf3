/**
 * addColumnSums (y += the column sums of x [rows, cols], a bias's gradient) against the readable
 * loop, bit for bit: the WASM kernel adds rows in order with float32 adds, as the JS loop does, on
 * odd shapes (cols not a multiple of 4), with ±0, ±∞ and subnormals among the values, x and y
 * pinned (in the WASM heap) or not; and the JS path (small inputs) the same.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { kernels, ShapeError } from "../src/index.js";
import { addColumnSumsReference } from "../src/kernels/elementwise.reference.js";
import { wasmAddColumnSums } from "../src/wasm/elementwise.js";
import { placed as place, releasePlaced, seededFloats } from "./helpers.js";

afterEach(releasePlaced);

const bitsOf = (a: Float32Array): Uint32Array => new Uint32Array(a.slice().buffer);
const special = [0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-45, 3.4e38, -3.4e38];
function values(n: number, seed: number): Float32Array {
  const v = seededFloats(n, seed, 3);
  for (let i = 0; i < n; i += 2 + (seed % 11)) v[i] = special[(i + seed) % special.length]!;
  return v;
}

describe("addColumnSums", () => {
  const shape = fc.record({
    rows: fc.integer({ min: 0, max: 30 }),
    cols: fc.integer({ min: 1, max: 600 }),
    pinned: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  });

  it("WASM: the reference loop's bits, pinned or not", () => {
    fc.assert(
      fc.property(shape, ({ rows, cols, pinned, seed }) => {
        const x = values(rows * cols, seed), y0 = values(cols, seed + 1);
        const y = place(y0, pinned);
        expect(wasmAddColumnSums(place(x, pinned), rows, cols, y)).toBe(y);
        expect(bitsOf(y)).toEqual(bitsOf(addColumnSumsReference(x, rows, cols, y0.slice())));
      }),
      { numRuns: 200 },
    );
  });

  it("kernels.addColumnSums (either path) gives the same bits, and checks its sizes", () => {
    fc.assert(
      fc.property(shape, ({ rows, cols, seed }) => {
        const x = values(rows * cols, seed), y0 = values(cols, seed + 1);
        const y = y0.slice();
        expect(kernels.addColumnSums(x, rows, cols, y)).toBe(y);
        expect(bitsOf(y)).toEqual(bitsOf(addColumnSumsReference(x, rows, cols, y0.slice())));
      }),
      { numRuns: 200 },
    );
    expect(() => kernels.addColumnSums(new Float32Array(5), 2, 3, new Float32Array(3))).toThrow(ShapeError);
    expect(() => kernels.addColumnSums(new Float32Array(6), 2, 3, new Float32Array(2))).toThrow(/y has 2 elements, need 3/);
  });
});
