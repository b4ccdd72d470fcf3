import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { add, sub, mul, div, kernels as k, Tensor, ShapeError, numel, type BinaryOp } from "../src/index.js";
import { expectClose, floats } from "./helpers.js";

/** Two shapes that broadcast: start from an output shape, then set some dims to 1 / drop leading dims. */
const broadcastPair = fc
  .array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 4 })
  .chain((out) =>
    fc.tuple(
      fc.constant(out),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      fc.integer({ min: 0, max: out.length }),
      fc.integer({ min: 0, max: out.length }),
    ),
  )
  .map(([out, onesA, onesB, dropA, dropB]) => {
    const a = out.map((d, i) => (onesA[i] ? 1 : d)).slice(dropA);
    const b = out.map((d, i) => (onesB[i] ? 1 : d)).slice(dropB);
    return [a, b] as const;
  })
  .chain(([a, b]) => fc.tuple(fc.constant(a), fc.constant(b), floats(numel(a)), floats(numel(b))));

/** Explicitly tile x (shape `shape`) up to `target` (right-aligned). */
function tile(x: Float32Array, shape: readonly number[], target: readonly number[]): Float32Array {
  const out = new Float32Array(numel(target));
  const pad = target.length - shape.length;
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    let src = 0;
    let mult = 1;
    for (let i = target.length - 1; i >= 0; i--) {
      const idx = rem % target[i]!;
      rem = Math.floor(rem / target[i]!);
      if (i >= pad) {
        const d = shape[i - pad]!;
        src += (d === 1 ? 0 : idx) * mult;
        mult *= d;
      }
    }
    out[o] = x[src]!;
  }
  return out;
}

function outShape(a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  return Array.from({ length: r }, (_, i) => Math.max(a[a.length - r + i] ?? 1, b[b.length - r + i] ?? 1));
}

describe("broadcasting", () => {
  const ops: [BinaryOp, typeof add][] = [
    ["add", add],
    ["sub", sub],
    ["mul", mul],
    ["div", div],
  ];

  it("equals the op on explicitly tiled operands (kernel and Tensor level)", () => {
    fc.assert(
      fc.property(broadcastPair, ([sa, sb, a, b]) => {
        const shape = outShape(sa, sb);
        const ta = tile(a, sa, shape);
        const tb = tile(b, sb, shape);
        for (const [name, op] of ops) {
          const r = k.broadcastBinary(name, a, sa, b, sb);
          expect(r.shape).toEqual(shape);
          const expected = k[name](ta, tb);
          expectClose(r.data, expected, 0, 0);
          const t = op(Tensor.from(a, sa), Tensor.from(b, sb));
          expect(t.shape).toEqual(shape);
          expectClose(t.data, expected, 0, 0);
        }
      }),
    );
  });

  it("reduceToShape sums the broadcast axes back (adjoint of tiling)", () => {
    fc.assert(
      fc.property(broadcastPair, ([sa, sb, a]) => {
        const shape = outShape(sa, sb);
        const g = Float32Array.from({ length: numel(shape) }, (_, i) => (i % 5) - 2);
        const red = k.reduceToShape(g, shape, sa);
        expect(red.length).toBe(numel(sa));
        // <tile(a), g> = <a, reduce(g)>
        const lhs = tile(a, sa, shape).reduce((s, v, i) => s + v * g[i]!, 0);
        const rhs = a.reduce((s, v, i) => s + v * red[i]!, 0);
        expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3);
      }),
    );
  });

  it("scalars broadcast, and number operands work", () => {
    const t = Tensor.from([1, 2, 3, 4], [2, 2]);
    expect(add(t, Tensor.scalar(10)).toArray()).toEqual([11, 12, 13, 14]);
    expect(sub(t, 1).toArray()).toEqual([0, 1, 2, 3]);
    expect(mul(t, 2).toArray()).toEqual([2, 4, 6, 8]);
    expect(div(t, 4).toArray()).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it("incompatible shapes throw ShapeError naming the op and both shapes", () => {
    expect(() => add(Tensor.zeros([2, 3]), Tensor.zeros([4, 3]))).toThrow(ShapeError);
    expect(() => mul(Tensor.zeros([2, 3]), Tensor.zeros([2]))).toThrow(/mul: shapes \[2, 3\] and \[2\] do not broadcast/);
    expect(() => k.reduceToShape(new Float32Array(6), [2, 3], [2])).toThrow(/reduceToShape: target \[2\] does not broadcast/);
  });
});
