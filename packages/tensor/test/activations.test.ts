import fc from "fast-check";
import { describe, it } from "vitest";
import { kernels as k } from "../src/index.js";
import { expectClose, floats } from "./helpers.js";

const arr = fc.integer({ min: 0, max: 67 }).chain((n) => floats(n, 12));

describe("activations equal their references", () => {
  const unary = [
    ["exp", k.exp, k.expReference],
    ["tanh", k.tanh, k.tanhReference],
    ["neg", k.neg, k.negReference],
    ["sigmoid", k.sigmoid, k.sigmoidReference],
    ["relu", k.relu, k.reluReference],
    ["silu", k.silu, k.siluReference],
    ["gelu", k.gelu, k.geluReference],
  ] as const;
  for (const [name, fast, ref] of unary) {
    it(name, () => {
      fc.assert(fc.property(arr, (x) => expectClose(fast(x), ref(x), 1e-6, 1e-6)));
    });
  }

  it("log and sqrt (positive inputs)", () => {
    fc.assert(
      fc.property(arr, (x) => {
        const p = x.map((v) => Math.abs(v) + 1e-3);
        expectClose(k.log(p), k.logReference(p), 1e-7, 1e-7);
        expectClose(k.sqrt(p), k.sqrtReference(p), 1e-7, 1e-7);
      }),
    );
  });

  it("swiglu = silu(gate)·up", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 67 }).chain((n) => fc.tuple(floats(n, 8), floats(n, 8))),
        ([g, u]) => {
          expectClose(k.swiglu(g, u), k.swigluReference(g, u), 1e-6, 1e-6);
          expectClose(k.swiglu(g, u), k.mul(k.silu(g), u), 1e-6, 1e-6);
        },
      ),
    );
  });

  it("gelu saturates cleanly at large |x| (no NaN from exp overflow)", () => {
    const out = k.gelu(Float32Array.from([-1e4, -100, 100, 1e4, 3e38, -3e38]));
    // gelu(x) → 0 as x → −∞ and → x as x → +∞; x³ overflows to ±inf at 3e38.
    expectClose(out, [0, 0, 100, 1e4, Math.fround(3e38), 0], 0, 0);
  });
});

/** Central difference in float64 of Σ dy·f(x) w.r.t. x_i, using the reference forward. */
function numericGrad(f: (x: Float32Array) => Float32Array, x: Float32Array, dy: Float32Array, h = 1e-3): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xp = new Float32Array(x);
    const xm = new Float32Array(x);
    xp[i] = x[i]! + h;
    xm[i] = x[i]! - h;
    const hp = xp[i]! - x[i]!; // the step actually taken in float32
    const hm = x[i]! - xm[i]!;
    g[i] = (dy[i]! * (f(xp)[i]! - f(xm)[i]!)) / (hp + hm);
  }
  return g;
}

describe("activation backward kernels", () => {
  const data = fc.integer({ min: 1, max: 33 }).chain((n) => fc.tuple(floats(n, 3), floats(n, 1), floats(n, 1)));

  it("match finite differences and accumulate into dx", () => {
    fc.assert(
      fc.property(data, ([x, dy, dx0]) => {
        const cases = [
          [k.geluBackward, k.geluReference, x],
          [k.siluBackward, k.siluReference, x],
        ] as const;
        for (const [bwd, fwd, input] of cases) {
          const dx = new Float32Array(dx0);
          bwd(input, dy, dx);
          const num = numericGrad(fwd, input, dy);
          expectClose(
            dx.map((v, i) => v - dx0[i]!),
            num,
            2e-3,
            2e-2,
          );
        }
        // sigmoid/tanh take the forward output y.
        const dxs = new Float32Array(dx0);
        k.sigmoidBackward(k.sigmoid(x), dy, dxs);
        expectClose(dxs.map((v, i) => v - dx0[i]!), numericGrad(k.sigmoidReference, x, dy), 2e-3, 2e-2);
        const dxt = new Float32Array(dx0);
        k.tanhBackward(k.tanh(x), dy, dxt);
        expectClose(dxt.map((v, i) => v - dx0[i]!), numericGrad(k.tanhReference, x, dy), 2e-3, 2e-2);
      }),
      { numRuns: 40 },
    );
  });

  it("relu backward passes dy where x > 0 and accumulates", () => {
    fc.assert(
      fc.property(data, ([x, dy, dx0]) => {
        const dx = new Float32Array(dx0);
        k.reluBackward(x, dy, dx);
        expectClose(dx, Array.from(x, (v, i) => Math.fround(dx0[i]! + (v > 0 ? dy[i]! : 0))), 0, 0);
      }),
    );
  });

  it("swiglu backward matches finite differences in gate and up, and the reference", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 33 }).chain((n) => fc.tuple(floats(n, 3), floats(n, 3), floats(n, 1))),
        ([g, u, dy]) => {
          const dg = new Float32Array(g.length).fill(0.5);
          const du = new Float32Array(g.length).fill(-0.25);
          k.swigluBackward(g, u, dy, dg, du);
          const dgRef = new Float32Array(g.length).fill(0.5);
          const duRef = new Float32Array(g.length).fill(-0.25);
          k.swigluBackwardReference(g, u, dy, dgRef, duRef);
          expectClose(dg, dgRef, 1e-6, 1e-5);
          expectClose(du, duRef, 1e-6, 1e-5);
          const numG = numericGrad((x) => k.swigluReference(x, u), g, dy);
          const numU = numericGrad((x) => k.swigluReference(g, x), u, dy);
          expectClose(dg.map((v) => v - 0.5), numG, 2e-3, 2e-2);
          expectClose(du.map((v) => v + 0.25), numU, 2e-3, 2e-2);
        },
      ),
      { numRuns: 40 },
    );
  });
});
